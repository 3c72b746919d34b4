import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { ResolveDrawer } from './ResolveDrawer';
import { renderWithProviders } from '../../test/render';
import type { OrderException } from './api';

const exception: OrderException = {
  id: 9,
  order_id: 5,
  order_number: 'SO-5',
  flow: 'order-review',
  node: 'checks',
  reason: 'credit',
  message: 'over the credit limit',
  department: 'sales',
  owners: ['manager'],
  deadline: '2099-01-01T00:00:00Z',
  overdue: false,
  status: 'open',
  can_resolve: true,
  created_at: '2026-11-27T10:00:00Z',
};

const order = {
  id: 5,
  number: 'SO-5',
  flow: 'order-review',
  version: 1,
  status: 'exception',
  data: { customer: 'Acme', note: 'keep', items: [{ sku: 'A', qty: 1 }] },
  created_at: '2026-11-27T10:00:00Z',
};

const form = {
  flow: { key: 'order-review', version: 1, name: { en: 'Order' } },
  form: {
    key: 'order',
    version: 1,
    name: { en: 'Order' },
    schema: {
      type: 'object',
      properties: {
        customer: { type: 'string', title: 'Customer' },
        note: { type: 'string', title: 'Note' },
        items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } } } },
      },
    },
  },
};

function serve(resolveStatus = 200, resolveBody: unknown = { exception: { ...exception, status: 'resolved' }, order: { ...order, status: 'in_review' } }) {
  const calls: { url: string; method: string; body?: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const path = String(url).replace(/\?.*$/, '');
      calls.push({ url: String(url), method: init?.method ?? 'GET', body: init?.body ? JSON.parse(String(init.body)) : undefined });
      if (path === '/api/v1/exceptions/9/resolve') {
        return new Response(JSON.stringify(resolveBody), { status: resolveStatus, headers: { 'Content-Type': resolveStatus === 200 ? 'application/json' : 'application/problem+json' } });
      }
      const body = path === '/api/v1/orders/5' ? order : path === '/api/v1/flows/order-review/form' ? form : { items: [] };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('ResolveDrawer', () => {
  it('retries with only the changed fields as data', async () => {
    const calls = serve();
    const onClose = vi.fn();
    renderWithProviders(<ResolveDrawer exception={exception} open onClose={onClose} />);
    const input = await screen.findByLabelText('Customer', {}, { timeout: 5000 });
    fireEvent.change(input, { target: { value: 'Acme Ltd' } });
    await waitFor(() => expect(screen.getByTestId('resolve-changed').getAttribute('data-count')).toBe('1'));
    fireEvent.click(screen.getByTestId('resolve-submit'));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.body).toEqual({ action: 'retry', data: { customer: 'Acme Ltd' } });
  });

  it('retries an unchanged order without data', async () => {
    const calls = serve();
    renderWithProviders(<ResolveDrawer exception={exception} open onClose={() => {}} />);
    await screen.findByLabelText('Customer', {}, { timeout: 5000 });
    fireEvent.click(screen.getByTestId('resolve-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ action: 'retry' });
  });

  it('shows a 422 on the form field it points at', async () => {
    serve(422, { title: 'Invalid', status: 422, errors: [{ pointer: '/data/customer', message: 'unknown customer' }] });
    renderWithProviders(<ResolveDrawer exception={exception} open onClose={() => {}} />);
    const input = await screen.findByLabelText('Customer', {}, { timeout: 5000 });
    fireEvent.change(input, { target: { value: 'Nobody' } });
    fireEvent.click(screen.getByTestId('resolve-submit'));
    expect(await screen.findByText('unknown customer')).toBeTruthy();
    expect(screen.getByTestId('resolve-data-errors')).toBeTruthy();
  });

  it('needs a note to override', async () => {
    serve();
    renderWithProviders(<ResolveDrawer exception={exception} open onClose={() => {}} />);
    await screen.findByLabelText('Customer', {}, { timeout: 5000 });
    fireEvent.click(screen.getByTestId('resolve-action-override'));
    await waitFor(() => expect((screen.getByTestId('resolve-submit') as HTMLButtonElement).disabled).toBe(true));
    fireEvent.change(screen.getByTestId('resolve-note'), { target: { value: 'approved by phone' } });
    await waitFor(() => expect((screen.getByTestId('resolve-submit') as HTMLButtonElement).disabled).toBe(false));
  });
});
