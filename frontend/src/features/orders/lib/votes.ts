/** The vote of one open review node, as GET /orders/{id} gives it (`votes`, one per open review node). */
export interface Vote {
  node: string;
  mode: string;
  need: number;
  pool: number;
  approvals: number;
  rejections: number;
  /** sequential: the reviewers still to come after the current one, in order */
  queue: string[];
  /** signers added after, who open when the node would pass */
  after?: string[];
  approved_by: string[];
  rejected_by: string[];
}

/** The vote of `node` in an order answer that carries votes (absent on older answers and in lists). */
export function voteOf(order: object, node: string): Vote | undefined {
  const raw = (order as { votes?: unknown }).votes;
  const votes = Array.isArray(raw) ? (raw as Vote[]) : [];
  return votes.find((v) => v && v.node === node);
}
