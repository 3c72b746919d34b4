import type { QueryKey } from '@tanstack/react-query';
import type { LiveEvent } from './client';
import { orderKeys } from '../../features/orders';
import { taskKeys } from '../../features/tasks';
import { boardKeys, commentKeys } from '../../features/boards';
import { notificationKeys } from '../../features/notifications';
import { exceptionKeys } from '../../features/exceptions';

const orderIdOf = (e: LiveEvent): string | undefined => {
  const v = e.data.order_id ?? (e.topic.startsWith('order:') ? e.topic.slice('order:'.length) : undefined);
  return v === undefined || v === null || v === '' ? undefined : String(v);
};

/** An order's own caches: the order and its history. */
const orderCaches = (id: string): QueryKey[] => [orderKeys.detail(id), orderKeys.history(id)];

/** The react-query caches a live event makes stale. */
export function queryKeysFor(e: LiveEvent): QueryKey[] {
  const id = orderIdOf(e);
  const order = id ? orderCaches(id) : [];
  switch (e.type) {
    case 'order.updated':
      return [...order, orderKeys.lists(), taskKeys.all, boardKeys.all];
    case 'task.assigned':
    case 'task.reopened':
    case 'task.cc':
    case 'task.urged':
      return [taskKeys.all, ...order];
    case 'task.reminded':
    case 'task.escalated':
      return [...order, boardKeys.all];
    case 'notification.created':
    case 'notification.read':
      return [notificationKeys.all];
    case 'board.locked':
    case 'board.unlocked':
      return [boardKeys.all];
    case 'order.commented':
      return [boardKeys.all, ...(id ? [commentKeys.list(id), orderKeys.history(id)] : [])];
    case 'exception.raised':
    case 'exception.resolved':
    case 'exception.overdue':
      return [exceptionKeys.all, ...order];
    case 'definition.published':
    case 'definition.draft_saved':
      // lists only: a draft open in the designer is the editor's, not the cache's
      return [['flows'], ['definitions', String(e.data.kind ?? ''), 'list']];
    default:
      return [];
  }
}

/** The react-query caches holding data of a topic (refetched when it becomes live with no replay). */
export function queryKeysForTopic(topic: string): QueryKey[] {
  const [kind, ...rest] = topic.split(':');
  const key = rest.join(':');
  if (topic === 'admin') return [exceptionKeys.all]; // exceptions are announced to user managers there
  if (!key) return [];
  switch (kind) {
    case 'order':
      return orderCaches(key);
    case 'department':
      // a department's topic carries its board and its exceptions
      return [boardKeys.all, exceptionKeys.all];
    case 'user':
      return [taskKeys.all, notificationKeys.all];
    default:
      return [];
  }
}

/** Events worth a toast: something now waits for the user, or mentions them. */
export type Alert =
  | { kind: 'assigned' | 'reopened' | 'cc'; orderId?: string; number: string }
  | { kind: 'urged'; orderId?: string; number: string; by: string }
  | { kind: 'notification'; orderId?: string; id: number; type: string; title: string; data: Record<string, unknown> };

/** What to tell the user about an event of their own topic (null: nothing). */
export function alertFor(e: LiveEvent): Alert | null {
  if (!e.topic.startsWith('user:')) return null;
  const id = orderIdOf(e);
  const number = String(e.data.number ?? '');
  switch (e.type) {
    case 'task.assigned':
      return { kind: 'assigned', orderId: id, number };
    case 'task.reopened':
      return { kind: 'reopened', orderId: id, number };
    case 'task.cc':
      return { kind: 'cc', orderId: id, number };
    case 'task.urged':
      return { kind: 'urged', orderId: id, number, by: String(e.data.by ?? '') };
    case 'notification.created':
      return {
        kind: 'notification',
        orderId: id,
        id: Number(e.data.id),
        type: String(e.data.type ?? ''),
        title: String(e.data.title ?? ''),
        data: (e.data.data as Record<string, unknown>) ?? {},
      };
    default:
      return null;
  }
}
