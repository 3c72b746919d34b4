import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { renderRoutes } from '../../../test/render';
import { FormDesignerPage } from './FormDesignerPage';

// A new form: the server has no definition under its key (404), every time it is asked; after the
// first time it answers only once `release` is called, so the page renders while it waits.
function serve() {
  const asked: string[] = [];
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const path = String(url).replace(/\?.*$/, '');
      asked.push(path);
      if (path === '/api/v1/me') {
        const me = { user: { id: 1, username: 'admin', display_name: 'admin', is_admin: true }, permissions: ['definitions.manage'], memberships: [] };
        return new Response(JSON.stringify(me), { status: 200, headers: { 'Content-Type': 'application/json' } });
      }
      if (path === '/api/v1/definitions/forms/new-form') {
        if (asked.filter((a) => a === path).length > 1) await held;
        const p = { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no form new-form' };
        return new Response(JSON.stringify(p), { status: 404, headers: { 'Content-Type': 'application/problem+json' } });
      }
      return new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return { asked, release: () => release() };
}

afterEach(() => vi.unstubAllGlobals());

describe('FormDesignerPage', () => {
  it('keeps what is drawn on a new form when its definition is fetched again', async () => {
    const { asked, release } = serve();
    const client = renderRoutes([{ path: '/designer/forms/:key', element: <FormDesignerPage /> }], '/designer/forms/new-form');
    fireEvent.doubleClick(await screen.findByTestId('fd-palette-text'));
    await screen.findByTestId('fd-field-text');
    const before = asked.filter((p) => p.endsWith('/forms/new-form')).length;
    // what a live reconnect does: every query is fetched again (react-query makes the 404 pending meanwhile)
    let refetched: Promise<void> = Promise.resolve();
    act(() => {
      refetched = client.invalidateQueries();
    });
    await waitFor(() => expect(asked.filter((p) => p.endsWith('/forms/new-form')).length).toBeGreaterThan(before));
    expect(screen.getByTestId('fd-field-text')).toBeTruthy(); // while the answer is awaited
    await act(async () => {
      release();
      await refetched;
    });
    expect(screen.getByTestId('fd-field-text')).toBeTruthy();
  });
});
