import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { renderWithProviders } from '../../../test/render';
import { StockPage } from './StockPage';
import type { StockRow } from '../api/stock';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json' } });

const rows: StockRow[] = [
  { sku: 'BRG-6204', name: '深溝滾珠軸承', warehouse: 'main', on_hand: 400, reserved: 50, available: 350, threshold: 10, low: false, updated_at: '2026-11-27T00:00:00Z' },
  { sku: 'BLT-M8-30', name: '六角螺栓', warehouse: 'main', on_hand: 8, reserved: 2, available: 6, threshold: 10, low: true, updated_at: '2026-11-27T00:00:00Z' },
];

afterEach(() => vi.unstubAllGlobals());

describe('StockPage', () => {
  it('highlights low rows, refuses a negative result before sending, and shows a refused adjustment at its field', async () => {
    const bodies: unknown[] = [];
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (url.includes('/stock/adjustments')) {
        bodies.push(JSON.parse(String(init?.body)));
        return json(
          { type: 'about:blank', title: 'Unprocessable Entity', status: 422, detail: 'not enough stock', errors: [{ pointer: '/delta', message: 'it can go down by at most 4' }] },
          422,
        );
      }
      if (url.includes('/stock')) return json(rows);
      if (url.includes('/warehouses')) return json([{ key: 'main', name: '總倉', created_at: '2026-11-27T00:00:00Z' }]);
      return json([]);
    });
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(<StockPage />);

    const low = await screen.findByText('低於 10');
    const lowRow = low.closest('tr')!;
    expect(lowRow.getAttribute('data-low')).toBe('true');
    expect(within(lowRow).getByText('BLT-M8-30')).toBeTruthy();
    expect(screen.getByText('BRG-6204').closest('tr')!.getAttribute('data-low')).toBe('false');

    fireEvent.click(screen.getByTestId('adjust-BLT-M8-30-main'));
    const dialog = await screen.findByRole('dialog');
    // a reason is required before anything is sent
    fireEvent.change(within(dialog).getByTestId('adjust-delta'), { target: { value: '-7' } });
    fireEvent.click(within(dialog).getByRole('button', { name: '確認調整' }));
    expect(await within(dialog).findByText('請說明調整原因')).toBeTruthy();
    expect(bodies).toHaveLength(0);

    fireEvent.change(within(dialog).getByTestId('adjust-reason'), { target: { value: '盤點' } });
    // 8 on hand, 2 reserved: -7 would leave less than is reserved, so the form says so and sends nothing
    fireEvent.click(within(dialog).getByRole('button', { name: '確認調整' }));
    expect(await within(dialog).findByText('最多只能減少 6（已保留 2）', undefined, { timeout: 10_000 })).toBeTruthy();
    expect(within(dialog).queryByText(/調整後在庫/)).toBeNull();
    expect(bodies).toHaveLength(0);

    // -5 passes the form; the server (whose stock moved meanwhile) refuses it at its field
    fireEvent.change(within(dialog).getByTestId('adjust-delta'), { target: { value: '-5' } });
    fireEvent.click(within(dialog).getByRole('button', { name: '確認調整' }));
    expect(await within(dialog).findByText('it can go down by at most 4', undefined, { timeout: 10_000 })).toBeTruthy();
    await waitFor(() => expect(bodies).toEqual([{ sku: 'BLT-M8-30', warehouse: 'main', delta: -5, reason: '盤點' }]));
  }, 180_000);

  it('edits a product with PUT and the fields that change', async () => {
    const calls: { url: string; method?: string; body?: unknown }[] = [];
    const product = { sku: 'BRG-6204', name: '深溝滾珠軸承', unit: 'pcs', price: 85, low_stock: 10, created_at: '2026-11-27T00:00:00Z' };
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (init?.method === 'PUT') {
        calls.push({ url, method: init.method, body: JSON.parse(String(init.body)) });
        return json({ ...product, price: 90 });
      }
      if (url.includes('/products')) return json([product]);
      if (url.includes('/stock')) return json([]);
      return json([]);
    });
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(<StockPage />, { lang: 'en' });
    fireEvent.click(await screen.findByRole('tab', { name: 'Products' }));
    fireEvent.click(await screen.findByTestId('edit-BRG-6204'));
    const dialog = await screen.findByRole('dialog');
    expect((within(dialog).getByTestId('product-sku') as HTMLInputElement).disabled).toBe(true);
    fireEvent.change(within(dialog).getByTestId('product-price'), { target: { value: '90' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].url).toContain('/products/BRG-6204');
    expect(calls[0].body).toEqual({ name: '深溝滾珠軸承', unit: 'pcs', price: 90, low_stock: 10 });
  }, 90_000);
});
