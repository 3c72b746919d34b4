import type { RouteObject } from 'react-router';
import { vi } from 'vitest';
import { AppLayout } from '../components/AppLayout';
import { FakeSocket } from './fakeSocket';
import { renderRoutes } from './render';

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status === 200 ? 'application/json' : 'application/problem+json' } });

const me = { user: { id: 1, username: 'manager', display_name: 'Manager', is_admin: false }, permissions: [], memberships: [] };

/**
 * The signed-in shell (AppLayout, zh-TW) at `at` with `pages` as its children. `answer` may answer a GET
 * path; otherwise /me is the manager and anything else an empty list. Returns the query client.
 */
export function renderShell(pages: RouteObject[], at: string, answer: (path: string) => Response | undefined = () => undefined) {
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const path = String(url).replace(/\?.*$/, '');
      return answer(path) ?? (path === '/api/v1/me' ? json(me) : json({ items: [], unread: 0 }));
    }),
  );
  return renderRoutes([{ path: '/', element: <AppLayout />, children: pages }], at);
}
