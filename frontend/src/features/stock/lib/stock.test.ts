import { describe, expect, it } from 'vitest';
import { fieldErrors, isStockEvent, preview, signed } from './stock';

describe('stock helpers', () => {
  it('maps pointers to form fields', () => {
    const r = fieldErrors(
      [
        { pointer: '/delta', message: 'too far' },
        { pointer: '/reason', message: 'say why' },
        { pointer: '/other', message: 'x' },
      ],
      ['delta', 'reason'],
    );
    expect(r.fields).toEqual([
      { name: 'delta', errors: ['too far'] },
      { name: 'reason', errors: ['say why'] },
    ]);
    expect(r.rest).toEqual(['x']);
  });
  it('knows stock events', () => {
    expect(isStockEvent('stock.changed')).toBe(true);
    expect(isStockEvent('stock.low')).toBe(true);
    expect(isStockEvent('order.updated')).toBe(false);
  });
  it('signs quantities', () => {
    expect(signed(5)).toBe('+5');
    expect(signed(-3)).toBe('−3');
    expect(signed(0)).toBe('0');
  });
  it('previews refusals', () => {
    expect(preview(10, 4, -6)).toEqual({ onHand: 4, refused: false });
    expect(preview(10, 4, -7)).toEqual({ onHand: 3, refused: true });
  });
});
