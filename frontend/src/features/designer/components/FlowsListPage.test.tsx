import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderWithProviders } from '../../../test/render';
import { FlowsListPage } from './FlowsListPage';

// the server's flow list, changed by retire and restore as the server does
function serve() {
  let retired = false;
  const posts: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const path = String(url).replace(/\?.*$/, '');
      const flow = () => ({ kind: 'flow', key: 'order-review', version: 3, status: 'published', name: { 'zh-TW': '訂單審核' }, ...(retired ? { retired: true } : {}) });
      let body: unknown = { items: [] };
      if (init?.method === 'POST') {
        posts.push(path);
        retired = path.endsWith('/retire');
        body = flow();
      } else if (path === '/api/v1/me') {
        body = { user: { id: 1, username: 'admin', display_name: 'admin', is_admin: true }, permissions: ['definitions.manage'], memberships: [] };
      } else if (path === '/api/v1/definitions/flows') {
        body = { items: [flow(), { kind: 'flow', key: 'draft-only', version: 0, status: 'draft' }] };
      }
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return posts;
}

afterEach(() => vi.unstubAllGlobals());

describe('FlowsListPage', () => {
  it('retires a published flow after confirmation, tags it retired, and restores it', async () => {
    const posts = serve();
    renderWithProviders(<FlowsListPage />);
    fireEvent.click(await screen.findByTestId('flow-retire-order-review'));
    // a flow never published has nothing to retire
    expect(screen.queryByTestId('flow-retire-draft-only')).toBeNull();
    expect(posts).toEqual([]); // not before it is confirmed
    // the confirmation's own 停用 button
    await waitFor(() => expect(screen.getAllByRole('button', { name: '停用' })).toHaveLength(2));
    fireEvent.click(screen.getAllByRole('button', { name: '停用' })[1]);
    await screen.findByTestId('flow-retired-order-review');
    expect(posts).toEqual(['/api/v1/definitions/flows/order-review/retire']);
    fireEvent.click(await screen.findByTestId('flow-restore-order-review'));
    await waitFor(() => expect(screen.queryByTestId('flow-retired-order-review')).toBeNull());
    expect(posts).toEqual(['/api/v1/definitions/flows/order-review/retire', '/api/v1/definitions/flows/order-review/restore']);
  });

  it('makes the new flow\'s key from its name, past the keys taken, until the key is edited', async () => {
    serve();
    renderWithProviders(<FlowsListPage />);
    await screen.findByTestId('flow-retire-order-review');
    fireEvent.click(screen.getByTestId('flow-new'));
    const name = await screen.findByTestId('flow-new-name');
    const key = screen.getByTestId('flow-new-key') as HTMLInputElement;
    fireEvent.change(name, { target: { value: 'Order review 小額' } });
    await waitFor(() => expect(key.value).toBe('order-review-2'));
    fireEvent.change(name, { target: { value: '小額會簽' } });
    await waitFor(() => expect(key.value).toBe('flow'));
    fireEvent.change(key, { target: { value: 'mine' } });
    fireEvent.change(name, { target: { value: 'Something else' } });
    await waitFor(() => expect((screen.getByTestId('flow-new-name') as HTMLInputElement).value).toBe('Something else'));
    expect(key.value).toBe('mine');
  });
});
