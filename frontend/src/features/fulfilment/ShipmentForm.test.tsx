import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ShipmentForm } from './ShipmentForm';
import { renderWithProviders } from '../../test/render';

const lines = [
  { sku: 'A', name: 'Bearing', ordered: 10, shipped: 4, remaining: 6 },
  { sku: 'B', name: 'Bolt', ordered: 5, shipped: 0, remaining: 5 },
];

function serve(shipStatus = 201, shipBody: unknown = { shipment: { number: 'SH-1' }, complete: false, order: { id: 5 } }) {
  const posts: unknown[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const path = String(url).replace(/\?.*$/, '');
      if (init?.method === 'POST') {
        posts.push(JSON.parse(String(init.body)));
        return new Response(JSON.stringify(shipBody), { status: shipStatus, headers: { 'Content-Type': 'application/json' } });
      }
      const body = path === '/api/v1/carriers' ? { items: [{ key: 'tcat', name: { 'zh-TW': '黑貓宅急便', en: 'T-Cat' }, tracking_url: 'https://x/{tracking}' }] } : {};
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return posts;
}

afterEach(() => vi.unstubAllGlobals());

const qtyInput = (sku: string) => document.querySelector(`[data-testid="shipment-qty"][data-sku="${sku}"]`) as HTMLElement;

async function pickCarrier() {
  fireEvent.mouseDown(within(screen.getByTestId('shipment-carrier')).getByRole('combobox'));
  fireEvent.click(await screen.findByText('黑貓宅急便', { selector: '.ant-select-item-option-content' }));
}

/** Renders the form, picks the carrier, types tracking T1 and `qty` on line `sku`, and submits. */
async function fillAndSubmit(sku: string, qty: string) {
  renderWithProviders(<ShipmentForm orderId="5" lines={lines} />);
  await pickCarrier();
  fireEvent.change(screen.getByTestId('shipment-tracking'), { target: { value: 'T1' } });
  fireEvent.change(qtyInput(sku), { target: { value: qty } });
  fireEvent.click(screen.getByTestId('shipment-submit'));
}

describe('ShipmentForm', () => {
  it('refuses more than remains and sends nothing', async () => {
    const posts = serve();
    await fillAndSubmit('A', '7');
    expect(await screen.findByText('最多 6')).toBeTruthy();
    expect(posts).toHaveLength(0);
  });

  it('asks for carrier, tracking and a quantity', async () => {
    const posts = serve();
    renderWithProviders(<ShipmentForm orderId="5" lines={lines} />);
    fireEvent.click(screen.getByTestId('shipment-submit'));
    expect(await screen.findByText('請選擇物流商')).toBeTruthy();
    expect(screen.getByText('請輸入追蹤號碼')).toBeTruthy();
    expect(screen.getByTestId('shipment-empty')).toBeTruthy();
    expect(posts).toHaveLength(0);
  });

  it('after recording a shipment empties its quantities and tracking and keeps the carrier for the next one', async () => {
    const posts = serve();
    await fillAndSubmit('A', '2');
    await waitFor(() => expect(posts).toHaveLength(1));
    await waitFor(() => expect((screen.getByTestId('shipment-tracking') as HTMLInputElement).value).toBe(''));
    expect((qtyInput('A') as HTMLInputElement).value).toBe('');
    expect(screen.getByTestId('shipment-carrier').textContent).toContain('黑貓宅急便');
  });

  it('sends the positive lines and shows a 422 on the line field', async () => {
    const posts = serve(422, { title: 'Too many', status: 422, errors: [{ pointer: '/lines/0/qty', message: 'only 2 left' }] });
    await fillAndSubmit('B', '3');
    await waitFor(() => expect(posts).toHaveLength(1));
    expect(posts[0]).toEqual({ carrier: 'tcat', tracking: 'T1', lines: [{ sku: 'B', qty: 3 }] });
    expect(await screen.findByText('only 2 left')).toBeTruthy();
  });
});
