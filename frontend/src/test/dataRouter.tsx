import { createContext, useContext, useState, type ReactNode } from 'react';
import { App as AntdApp } from 'antd';
import { createMemoryRouter, RouterProvider } from 'react-router';

const Children = createContext<ReactNode>(null);
const Slot = () => <>{useContext(Children)}</>;

/**
 * A renderHook/render wrapper with a data router (useBlocker needs one) and antd's App. The
 * children render at every path, and re-render with the wrapper (renderHook's rerender).
 */
export function DataRouterWrapper({ children }: { children: ReactNode }) {
  const [router] = useState(() => createMemoryRouter([{ path: '*', element: <Slot /> }]));
  return (
    <AntdApp>
      <Children.Provider value={children}>
        <RouterProvider router={router} />
      </Children.Provider>
    </AntdApp>
  );
}
