import { describe, expect, it } from 'vitest';
import { addRow, applyProduct, copyRow, lineAmount, liveTotals, nextCell, removeRow, setCell, tableColumns, withLiveTotals } from './lines';

const items = {
  type: 'array',
  items: {
    type: 'object',
    properties: { name: { type: 'string' }, sku: { type: 'string' }, qty: { type: 'integer' }, price: { type: 'number' } },
  },
};

describe('line items', () => {
  it('makes a table of an array of flat objects, columns in ui:order', () => {
    expect(tableColumns(items as never, ['sku', 'name'])).toEqual(['sku', 'name', 'qty', 'price']);
    expect(tableColumns({ type: 'array', items: { type: 'string' } } as never)).toBeNull();
    expect(tableColumns({ type: 'array', items: { type: 'object', properties: { a: { type: 'object' } } } } as never)).toBeNull();
  });

  it('totals qty × price live, as the form computes it, and follows every edit', () => {
    const totals = liveTotals({ total: 'sum(map(order.items, #.qty * #.price))', other: 'len(order.items)' });
    expect(totals).toEqual([{ field: 'total', array: 'items', qty: 'qty', price: 'price' }]);
    // a seeded random walk of edits: the total is always the sum of the rows' amounts
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    let rows: Record<string, unknown>[] = [{}];
    for (let step = 0; step < 300; step++) {
      const i = rows.length ? rnd(rows.length) : 0;
      switch (rnd(6)) {
        case 0: rows = addRow(rows); break;
        case 1: if (rows.length > 1) rows = removeRow(rows, i); break;
        case 2: if (rows.length) rows = copyRow(rows, i); break;
        case 3: rows = setCell(rows, i, 'qty', rnd(5) === 0 ? undefined : rnd(20) + 1); break;
        default: rows = setCell(rows, i, 'price', rnd(5) === 0 ? undefined : rnd(100000) / 100);
      }
      const data = withLiveTotals({ items: rows }, totals);
      const want = rows.reduce((a, r) => a + (typeof r.qty === 'number' && typeof r.price === 'number' ? r.qty * r.price : 0), 0);
      expect(data.total).toBeCloseTo(want, 2);
    }
    expect(lineAmount({ qty: 3, price: 1.1 })).toBe(3.3);
    expect(lineAmount({ qty: 3 })).toBeUndefined();
  });

  it('copies a row below itself and fills a product in', () => {
    const rows = [{ sku: 'A-1', qty: 2 }, { sku: 'B-2' }];
    expect(copyRow(rows, 0)).toEqual([{ sku: 'A-1', qty: 2 }, { sku: 'A-1', qty: 2 }, { sku: 'B-2' }]);
    expect(applyProduct(rows, 1, { sku: 'MTR-750W', name: 'Motor', price: 12800 }, ['sku', 'name', 'qty', 'price'])).toEqual([
      { sku: 'A-1', qty: 2 },
      { sku: 'MTR-750W', name: 'Motor', price: 12800, qty: 1 },
    ]);
  });

  it('moves Enter / Tab to the next cell and opens a row after the last one', () => {
    expect(nextCell(0, 0, 2, 4)).toEqual({ row: 0, col: 1 });
    expect(nextCell(0, 3, 2, 4)).toEqual({ row: 1, col: 0 });
    expect(nextCell(1, 3, 2, 4)).toEqual({ row: 2, col: 0, add: true });
    expect(nextCell(1, 0, 2, 4, true)).toEqual({ row: 0, col: 3 });
    expect(nextCell(0, 0, 2, 4, true)).toBeNull();
  });
});
