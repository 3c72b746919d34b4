import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import { ErrorAlert } from './ErrorAlert';
import { ApiError, NetworkError } from '../lib/api';
import { renderWithProviders } from '../test/render';

describe('ErrorAlert', () => {
  it('shows the problem title, detail and each pointer with its message', () => {
    const err = new ApiError(422, {
      title: 'Unprocessable Entity',
      detail: 'the order data is not valid',
      errors: [{ pointer: '/data/items/0/qty', message: 'must be >= 1' }],
    });
    renderWithProviders(<ErrorAlert error={err} />);
    expect(screen.getByText('Unprocessable Entity')).toBeTruthy();
    expect(screen.getByTestId('error-detail').textContent).toBe('the order data is not valid');
    const fields = screen.getByTestId('error-fields');
    expect(fields.textContent).toContain('/data/items/0/qty');
    expect(fields.textContent).toContain('must be >= 1');
  });

  it('explains a network failure in the UI language', () => {
    renderWithProviders(<ErrorAlert error={new NetworkError(new TypeError('Failed to fetch'))} />);
    expect(screen.getByTestId('error-detail').textContent).toBe('無法連線到伺服器');
  });
});
