import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { App as AntdApp } from 'antd';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import i18n from '../i18n';
import { FakeSocket } from '../test/fakeSocket';
import { AppLayout } from './AppLayout';

// A media query whose answer the test changes, as a resized window or a rotated tablet does.
function screenWidth(phone: boolean) {
  type Listener = (e: { matches: boolean }) => void;
  const listeners = new Map<Listener, string>();
  let phoneNow = phone;
  // only the phone query (max-width) follows the width here; antd's own breakpoints stay wide
  const answer = (media: string) => media.includes('max-width') && phoneNow;
  vi.stubGlobal('matchMedia', (media: string) => ({
    get matches() {
      return answer(media);
    },
    media,
    onchange: null,
    addListener: (l: Listener) => listeners.set(l, media),
    removeListener: (l: Listener) => listeners.delete(l),
    addEventListener: (_: string, l: Listener) => listeners.set(l, media),
    removeEventListener: (_: string, l: Listener) => listeners.delete(l),
    dispatchEvent: () => false,
  }));
  return (next: boolean) => {
    phoneNow = next;
    listeners.forEach((media, l) => l({ matches: answer(media) }));
  };
}

/** A page with something typed into it that only its own state holds. */
function Draft() {
  const [text, setText] = useState('');
  return <input data-testid="draft" value={text} onChange={(e) => setText(e.target.value)} />;
}

afterEach(() => vi.unstubAllGlobals());

describe('AppLayout', () => {
  it('keeps the page and what was typed on it when the window crosses the phone width', async () => {
    const resize = screenWidth(false);
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        const path = String(url).replace(/\?.*$/, '');
        const body =
          path === '/api/v1/me'
            ? { user: { id: 1, username: 'manager', display_name: 'Manager', is_admin: false }, permissions: [], memberships: [] }
            : { items: [], unread: 0 };
        return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
      }),
    );
    void i18n.changeLanguage('zh-TW');
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const router = createMemoryRouter([{ path: '/', element: <AppLayout />, children: [{ path: 'tasks', element: <Draft /> }] }], {
      initialEntries: ['/tasks'],
    });
    render(
      <AntdApp>
        <QueryClientProvider client={client}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </AntdApp>,
    );
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
});
