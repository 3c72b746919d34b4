import { describe, expect, it } from 'vitest';
import { serverLineErrors, shipmentLines, shippingTask, trackingLink, validateShipment } from './lib';
import type { Task } from '../../lib/types';

const lines = [
  { sku: 'A', ordered: 10, shipped: 4, remaining: 6 },
  { sku: 'B', ordered: 5, shipped: 5, remaining: 0 },
  { sku: 'C', ordered: 3, shipped: 0, remaining: 3 },
];

describe('validateShipment', () => {
  it('accepts quantities up to what remains', () => {
    expect(validateShipment(lines, [6, null, 1])).toEqual({ lines: {}, empty: false });
  });
  it('flags more than remains, fractions and negatives per line', () => {
    expect(validateShipment(lines, [7, 1, -1]).lines).toEqual({ 0: 'tooMany', 1: 'tooMany', 2: 'whole' });
    expect(validateShipment(lines, [1.5, null, null]).lines).toEqual({ 0: 'whole' });
  });
  it('needs at least one positive quantity', () => {
    expect(validateShipment(lines, [0, null, null]).empty).toBe(true);
  });
  it('builds the request lines from positive quantities', () => {
    expect(shipmentLines(lines, [2, 0, 3])).toEqual([{ sku: 'A', qty: 2 }, { sku: 'C', qty: 3 }]);
  });
});

describe('serverLineErrors', () => {
  it('maps /lines/<i>/qty of the sent lines back to the order line', () => {
    const sent = [{ sku: 'C', qty: 9 }];
    const r = serverLineErrors([{ pointer: '/lines/0/qty', message: 'only 3 left' }, { pointer: '/tracking', message: 'bad' }], sent, lines);
    expect(r.lines).toEqual({ 2: 'only 3 left' });
    expect(r.fields).toEqual({ tracking: 'bad' });
  });
});

describe('shippingTask', () => {
  const task = (t: Partial<Task>): Task => ({ id: 1, node: 'ship', node_name: { en: 'Ship' }, mode: 'any', assignees: [], status: 'open', version: 1, can_act: true, created_at: '2026-11-27T10:00:00Z', ...t });
  it('finds an actionable open task at a shipping step', () => {
    expect(shippingTask([task({})], ['ship'], false)?.id).toBe(1);
  });
  it('ignores other steps and tasks the user cannot act on', () => {
    expect(shippingTask([task({ node: 'verify', node_name: { en: 'Verify' } })], ['verify'], false)).toBeUndefined();
    expect(shippingTask([task({ can_act: false })], ['ship'], false)).toBeUndefined();
  });
  it('fills the tracking template', () => {
    expect(trackingLink('https://t.example/?n={tracking}', 'A B')).toBe('https://t.example/?n=A%20B');
  });
});
