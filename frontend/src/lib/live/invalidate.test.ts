import { describe, expect, it } from 'vitest';
import { alertFor, queryKeysFor, queryKeysForTopic } from './invalidate';
import type { LiveEvent } from './client';

const ev = (type: string, topic: string, data: Record<string, unknown> = {}): LiveEvent => ({ seq: 1, type, topic, at: '2026-11-27T10:00:00Z', data });

describe('queryKeysFor', () => {
  it('refreshes the order, its history, lists, tasks and boards when an order moves', () => {
    expect(queryKeysFor(ev('order.updated', 'department:sales', { order_id: 7 }))).toEqual([
      ['orders', 'detail', '7'],
      ['orders', 'history', '7'],
      ['orders', 'list'],
      ['tasks'],
      ['boards'],
    ]);
  });
  it('takes the order id from an order topic when the data has none', () => {
    expect(queryKeysFor(ev('task.reminded', 'order:9'))).toEqual([['orders', 'detail', '9'], ['orders', 'history', '9'], ['boards']]);
  });
  it('maps inbox, board and comment events to their caches', () => {
    expect(queryKeysFor(ev('task.assigned', 'user:manager', { order_id: 3 }))[0]).toEqual(['tasks']);
    expect(queryKeysFor(ev('notification.read', 'user:manager'))).toEqual([['notifications']]);
    expect(queryKeysFor(ev('board.locked', 'department:sales', { order_id: 3 }))).toEqual([['boards']]);
    expect(queryKeysFor(ev('order.commented', 'order:3', { order_id: 3 }))).toEqual([
      ['boards'],
      ['orders', 'comments', '3'],
      ['orders', 'history', '3'],
    ]);
    expect(queryKeysFor(ev('definition.published', 'admin', { kind: 'flows' }))).toEqual([['flows'], ['definitions', 'flows', 'list']]);
    expect(queryKeysFor(ev('something.new', 'admin'))).toEqual([]);
  });
});

describe('queryKeysForTopic', () => {
  it.each([
    ['order:7', [['orders', 'detail', '7'], ['orders', 'history', '7']]],
    ['department:sales', [['boards'], ['exceptions']]],
    ['user:manager', [['tasks'], ['notifications']]],
    ['admin', [['exceptions']]],
    ['order:', []],
  ])('%s', (topic, keys) => {
    expect(queryKeysForTopic(topic)).toEqual(keys);
  });
});

describe('alertFor', () => {
  it('alerts on what waits for the user, on their own topic only', () => {
    expect(alertFor(ev('task.assigned', 'user:manager', { order_id: 3, number: 'SO-1' }))).toEqual({ kind: 'assigned', orderId: '3', number: 'SO-1' });
    expect(alertFor(ev('task.urged', 'user:manager', { order_id: 3, number: 'SO-1', by: 'clerk' }))).toMatchObject({ kind: 'urged', by: 'clerk' });
    expect(
      alertFor(ev('notification.created', 'user:manager', { id: 5, type: 'mention', title: 'x', order_id: 3, data: { author: 'a', number: 'SO-1' } })),
    ).toEqual({ kind: 'notification', orderId: '3', id: 5, type: 'mention', title: 'x', data: { author: 'a', number: 'SO-1' } });
    expect(alertFor(ev('order.updated', 'order:3', { order_id: 3 }))).toBeNull();
    expect(alertFor(ev('task.assigned', 'department:sales', { order_id: 3 }))).toBeNull();
  });
});
