import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { screenWidth } from '../test/screenWidth';
import { json, renderShell } from '../test/shell';

/** A page with something typed into it that only its own state holds. */
function Draft() {
  const [text, setText] = useState('');
  return <input data-testid="draft" value={text} onChange={(e) => setText(e.target.value)} />;
}

afterEach(() => vi.unstubAllGlobals());

describe('AppLayout', () => {
  it('keeps the page and what was typed on it when the window crosses the phone width', async () => {
    const resize = screenWidth(false);
    renderShell([{ path: 'tasks', element: <Draft /> }], '/tasks');
    const draft = await screen.findByTestId('draft');
    fireEvent.change(draft, { target: { value: '客戶說週五前要' } });
    expect(screen.queryByTestId('phone-shell')).toBeNull();

    act(() => resize(true));
    expect(await screen.findByTestId('phone-shell')).toBeTruthy();
    expect(screen.getByTestId('draft')).toBe(draft);
    expect((screen.getByTestId('draft') as HTMLInputElement).value).toBe('客戶說週五前要');

    act(() => resize(false));
    expect(screen.queryByTestId('phone-shell')).toBeNull();
    expect((screen.getByTestId('draft') as HTMLInputElement).value).toBe('客戶說週五前要');
  });

  it('keeps the page and what was typed on it when a refetch of /me fails (a live reset refetches everything)', async () => {
    let down = false;
    const client = renderShell([{ path: 'tasks', element: <Draft /> }], '/tasks', (path) =>
      path === '/api/v1/me' && down ? json({ title: 'Service Unavailable', status: 503 }, 503) : undefined,
    );
    const draft = await screen.findByTestId('draft');
    fireEvent.change(draft, { target: { value: '客戶說週五前要' } });
    down = true;
    await act(() => client.invalidateQueries());
    await waitFor(() => expect(client.getQueryState(['me'])?.status).toBe('error'));
    expect(screen.getByTestId('draft')).toBe(draft);
    expect((screen.getByTestId('draft') as HTMLInputElement).value).toBe('客戶說週五前要');
  });
});
