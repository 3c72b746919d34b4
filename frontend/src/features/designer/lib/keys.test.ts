import { describe, expect, it } from 'vitest';
import { keyFromName } from './keys';

describe('keyFromName', () => {
  const none = () => false;
  it('joins the latin words of a name in lower case', () => {
    expect(keyFromName('Finance review', none, '_', 'node')).toBe('finance_review');
    expect(keyFromName('E2E 小額會簽流程 k3x9', none, '-', 'flow')).toBe('e2e-k3x9');
    expect(keyFromName('  Café  Orders!! ', none, '-', 'flow')).toBe('cafe-orders');
  });
  it('starts with a letter, numbers past taken keys, and gives up on a name without latin letters', () => {
    expect(keyFromName('2026 orders', none, '-', 'flow')).toBe('flow-2026-orders');
    const taken = new Set(['amount', 'amount_2']);
    expect(keyFromName('Amount', (k) => taken.has(k), '_', 'node')).toBe('amount_3');
    expect(keyFromName('小額流程', none, '-', 'flow')).toBeUndefined();
    expect(keyFromName(undefined, none, '-', 'flow')).toBeUndefined();
  });
  it('stays within 64 characters', () => {
    const k = keyFromName('word '.repeat(30), () => false, '-', 'flow')!;
    expect(k.length).toBeLessThanOrEqual(64);
    expect(k).toMatch(/^[a-z][a-z0-9_-]*[a-z0-9]$/);
  });
});
