import { useState } from 'react';
import { fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { App as AntdApp } from 'antd';
import { createMemoryRouter, Link, RouterProvider } from 'react-router';
import { describe, expect, it } from 'vitest';
import { useLeaveWarning } from './useLeaveWarning';
import { DataRouterWrapper } from '../test/dataRouter';

const leave = () => {
  const e = new Event('beforeunload', { cancelable: true });
  window.dispatchEvent(e);
  return e.defaultPrevented;
};

describe('useLeaveWarning', () => {
  it('asks before leaving only while there are unsaved edits', () => {
    const { rerender, unmount } = renderHook(({ dirty }) => useLeaveWarning(dirty), { initialProps: { dirty: false }, wrapper: DataRouterWrapper });
    expect(leave()).toBe(false);
    rerender({ dirty: true });
    expect(leave()).toBe(true);
    rerender({ dirty: false });
    expect(leave()).toBe(false);
    rerender({ dirty: true });
    unmount();
    expect(leave()).toBe(false);
  });
});

/** An editor page with a link to another page and one to itself with another query. */
function Editor() {
  const [dirty, setDirty] = useState(false);
  useLeaveWarning(dirty);
  return (
    <div>
      <button onClick={() => setDirty(true)}>edit</button>
      <Link to="/other">menu item</Link>
      <Link to="/edit?tab=2">tab</Link>
      <span data-testid="where">editor</span>
    </div>
  );
}

function renderApp() {
  const router = createMemoryRouter(
    [
      { path: '/edit', element: <Editor /> },
      { path: '/other', element: <span data-testid="where">other</span> },
    ],
    { initialEntries: ['/edit'] },
  );
  render(
    <AntdApp>
      <RouterProvider router={router} />
    </AntdApp>,
  );
  return router;
}

describe('in-app navigation guard', () => {
  it('leaves at once when nothing is unsaved', async () => {
    const router = renderApp();
    fireEvent.click(screen.getByText('menu item'));
    await waitFor(() => expect(router.state.location.pathname).toBe('/other'));
  });

  it('holds another page while edits are unsaved: stay keeps them, discard leaves', async () => {
    const router = renderApp();
    fireEvent.click(screen.getByText('edit'));
    fireEvent.click(screen.getByText('menu item'));
    const stay = await screen.findByTestId('leave-stay');
    expect(router.state.location.pathname).toBe('/edit');
    fireEvent.click(stay);
    await waitFor(() => expect(screen.queryByTestId('leave-stay')).toBeNull());
    expect(router.state.location.pathname).toBe('/edit');
    expect(screen.getByTestId('where').textContent).toBe('editor');

    // a query change on the same page is no leaving
    fireEvent.click(screen.getByText('tab'));
    await waitFor(() => expect(router.state.location.search).toBe('?tab=2'));
    expect(screen.queryByTestId('leave-stay')).toBeNull();

    fireEvent.click(screen.getByText('menu item'));
    fireEvent.click(await screen.findByTestId('leave-discard'));
    await waitFor(() => expect(router.state.location.pathname).toBe('/other'));
  });
});
