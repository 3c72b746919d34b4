import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { ReauthPrompt } from './ReauthPrompt';
import { renderWithProviders } from '../../../test/render';
import { api, REAUTH_REQUIRED } from '../../../lib/api';

const json = (body: unknown, status = 200, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
const refused = () => json({ type: REAUTH_REQUIRED, title: 'Forbidden', status: 403, within_minutes: 10 }, 403, 'application/problem+json');

afterEach(() => vi.unstubAllGlobals());

describe('ReauthPrompt', () => {
  it('asks for the password on a reauth-required refusal, signs in again and the approval is repeated', async () => {
    const calls: string[] = [];
    let approvals = 0;
    let wrongOnce = true;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        calls.push(`${init?.method} ${url}`);
        if (url.endsWith('/auth/reauth')) {
          const { password } = JSON.parse(String(init?.body));
          if (wrongOnce) {
            wrongOnce = false;
            return json({ title: 'Unauthorized', status: 401, detail: 'wrong password' }, 401, 'application/problem+json');
          }
          return password === 'right' ? json({ token: 'new' }) : json({}, 401);
        }
        approvals++;
        return approvals === 1 ? refused() : json({ ok: true });
      }),
    );
    renderWithProviders(<ReauthPrompt />);
    const result = api.post('/tasks/5/actions', { action: 'approve' });
    const input = await screen.findByTestId('reauth-password');
    expect(screen.getByText(/10/)).toBeTruthy(); // the window the server named
    fireEvent.change(input, { target: { value: 'wrong' } });
    fireEvent.click(screen.getByTestId('reauth-submit'));
    await screen.findByTestId('reauth-error');
    expect(approvals).toBe(1); // a wrong password repeats nothing
    fireEvent.change(input, { target: { value: 'right' } });
    fireEvent.click(screen.getByTestId('reauth-submit'));
    await expect(result).resolves.toEqual({ ok: true });
    expect(calls).toEqual(['POST /api/v1/tasks/5/actions', 'POST /api/v1/auth/reauth', 'POST /api/v1/auth/reauth', 'POST /api/v1/tasks/5/actions']);
  });

  it('cancelling leaves the refusal as it was', async () => {
    const fetchMock = vi.fn(async () => refused());
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(<ReauthPrompt />);
    const result = api.post('/tasks/5/actions', { action: 'approve' });
    await screen.findByTestId('reauth-password');
    fireEvent.click(screen.getByText('取消'));
    await expect(result).rejects.toMatchObject({ status: 403 });
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
  });
});
