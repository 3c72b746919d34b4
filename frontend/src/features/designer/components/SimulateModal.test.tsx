import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderWithProviders } from '../../../test/render';
import { SimulateModal } from './SimulateModal';

const json = (v: unknown) => new Response(JSON.stringify(v), { status: 200, headers: { 'Content-Type': 'application/json' } });
beforeEach(() => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url.includes('/definitions/forms/order'))
        return json({
          kind: 'form',
          key: 'order',
          version: 2,
          status: 'published',
          body: { kind: 'form', key: 'order', schema: { type: 'object', properties: { note: { type: 'string', title: { 'zh-TW': '備註' } }, qty: { type: 'integer', title: '數量' } } } },
        });
      if (url.includes('/departments')) return json({ items: [{ key: 'sales', name: { 'zh-TW': '業務部' } }] });
      return json({ items: [] });
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

describe('SimulateModal', () => {
  it('runs both built-in samples and one entered through the order form, without JSON', async () => {
    const onRun = vi.fn();
    renderWithProviders(<SimulateModal open form="order" onCancel={vi.fn()} onRun={onRun} />);
    await screen.findByTestId('simulate-form');
    fireEvent.input(document.getElementById('root_note')!, { target: { value: '急件' } });
    fireEvent.input(document.getElementById('root_qty')!, { target: { value: '3' } });
    fireEvent.click(screen.getByTestId('simulate-run'));
    await waitFor(() => expect(onRun).toHaveBeenCalled());
    const orders = onRun.mock.calls[0][0] as { data: Record<string, unknown>; department?: string }[];
    expect(orders).toHaveLength(3);
    expect(orders.map((o) => o.department)).toEqual(['sales', 'sales', 'sales']);
    expect(Number(orders[0].data.items && (orders[0].data.items as unknown[]).length)).toBeGreaterThan(0);
    expect(orders[2].data).toEqual({ note: '急件', qty: 3 });
  });

  it('runs the built-in samples alone when the form is left empty', async () => {
    const onRun = vi.fn();
    renderWithProviders(<SimulateModal open form="order" onCancel={vi.fn()} onRun={onRun} />);
    await screen.findByTestId('simulate-form');
    fireEvent.click(screen.getByTestId('simulate-run'));
    await waitFor(() => expect(onRun).toHaveBeenCalled());
    expect(onRun.mock.calls[0][0]).toHaveLength(2);
  });
});
