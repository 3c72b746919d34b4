import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderHook, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useSchedulePreview, type ScheduleCheck } from './schedules';

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });

function wrapper() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

afterEach(() => vi.unstubAllGlobals());

describe('useSchedulePreview', () => {
  it("asks the server once typing pauses and gives its verdict (here a day 7 the old client parser took for Sunday)", async () => {
    const refused: ScheduleCheck = { ok: false, next: [], errors: [{ pointer: '/cron', message: 'end of range (7) above maximum (6): 7' }] };
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) => json(refused));
    vi.stubGlobal('fetch', fetchMock);
    // the spec the editor opens with is asked about at once; then only where typing stops
    const { result, rerender } = renderHook(({ cron }) => useSchedulePreview(cron, 'Asia/Taipei'), { wrapper: wrapper(), initialProps: { cron: '30 8 * * 1-5' } });
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    rerender({ cron: '0 0 * *' });
    rerender({ cron: '0 0 * * 7 ' });
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(result.current.data).toEqual(refused));
    expect(fetchMock).toHaveBeenCalledTimes(2);
    const [url, init] = fetchMock.mock.calls[1];
    expect(String(url)).toMatch(/\/api\/v1\/reminders\/schedules\/check$/);
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({ cron: '0 0 * * 7', time_zone: 'Asia/Taipei', count: 5 });
  });

  it('does not ask about an empty spec', async () => {
    const fetchMock = vi.fn(async () => json({ ok: true, next: [], errors: [] }));
    vi.stubGlobal('fetch', fetchMock);
    const { result } = renderHook(() => useSchedulePreview('  ', 'UTC'), { wrapper: wrapper() });
    await new Promise((r) => setTimeout(r, 400));
    expect(result.current.fetchStatus).toBe('idle');
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
