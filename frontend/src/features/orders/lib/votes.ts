import type { components } from '../../../lib/api.gen';
import type { Order } from '../../../lib/types';

/** The vote of one open review node, as GET /orders/{id} gives it (`votes`, one per open review node). */
export type Vote = components['schemas']['VoteView'];

/** The vote of `node` in an order answer (votes are absent in lists and when no review node is open). */
export function voteOf(order: Pick<Order, 'votes'>, node: string): Vote | undefined {
  return order.votes?.find((v) => v.node === node);
}
