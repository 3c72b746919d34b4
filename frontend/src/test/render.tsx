import type { ReactElement, ReactNode } from 'react';
import { render } from '@testing-library/react';
import { App as AntdApp, ConfigProvider } from 'antd';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, MemoryRouter, RouterProvider, type RouteObject } from 'react-router';
import i18n from '../i18n';
import type { Language } from '../i18n/languages';

/** Renders with the app's providers (i18n, antd, react-query, a router at `initialEntries`); the language is zh-TW unless told. */
export function renderWithProviders(
  ui: ReactElement,
  { lang = 'zh-TW', initialEntries }: { lang?: Language; initialEntries?: string[] } = {},
) {
  void i18n.changeLanguage(lang);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const Wrapper = ({ children }: { children: ReactNode }) => (
    <ConfigProvider button={{ autoInsertSpace: false }}>
      <AntdApp>
        <QueryClientProvider client={client}>
          <MemoryRouter initialEntries={initialEntries}>{children}</MemoryRouter>
        </QueryClientProvider>
      </AntdApp>
    </ConfigProvider>
  );
  return { client, ...render(ui, { wrapper: Wrapper }) };
}

/**
 * Renders `routes` in a data router at `at` (useBlocker and loaders need one), inside antd's App and
 * react-query (no retries); the language is zh-TW unless told. Returns the query client.
 */
export function renderRoutes(routes: RouteObject[], at: string, { lang = 'zh-TW' }: { lang?: Language } = {}) {
  void i18n.changeLanguage(lang);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const router = createMemoryRouter(routes, { initialEntries: [at] });
  render(
    <AntdApp>
      <QueryClientProvider client={client}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </AntdApp>,
  );
  return client;
}
