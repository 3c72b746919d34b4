// Pure helpers of the task action panel: which actions a task offers, the request body of each, and where
// the server's field errors (JSON pointers into that body) belong in the form.
import type { ReviewAction, SignerPosition, Task, TaskActionRequest } from '../../../lib/types';

/** The actions of a review task, in the order the panel shows them. */
export const REVIEW_ACTIONS: ReviewAction[] = ['approve', 'reject', 'return', 'comment', 'transfer', 'delegate', 'add_signer'];

/** What the panel's form holds. */
export interface ActionFormValues {
  action: ReviewAction;
  comment?: string;
  reason?: string;
  node?: string;
  user?: string;
  position?: SignerPosition;
}

/** The shape usernames have (the server says the same in its 422 when one is wrong). */
export const USERNAME_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;

/**
 * The actions a task offers. A delegate's or an added signer's task decides (or recommends) only: approve,
 * reject, comment. `canReturn` is false when the order has passed no earlier review node.
 */
export function actionsFor(task: Pick<Task, 'kind'>, { canReturn = true }: { canReturn?: boolean } = {}): ReviewAction[] {
  if (task.kind === 'delegate' || task.kind === 'before') return ['approve', 'reject', 'comment'];
  return REVIEW_ACTIONS.filter((a) => a !== 'return' || canReturn);
}

/** True when every one of `count` checklist items is ticked (nothing to tick is complete). */
export function checklistComplete(ticks: readonly boolean[] | Record<number, boolean>, count: number): boolean {
  for (let i = 0; i < count; i++) if (!(ticks as Record<number, boolean>)[i]) return false;
  return true;
}

const trimmed = (s: string | undefined): string | undefined => {
  const v = s?.trim();
  return v ? v : undefined;
};

/**
 * The body of POST /tasks/{id}/actions for the form's values. Only the fields of the chosen action are sent;
 * empty texts are left out. `ticks` are the checklist boxes (`checklistCount` items): sent with approve only.
 */
export function buildActionBody(
  v: ActionFormValues,
  { ticks = [], checklistCount = 0 }: { ticks?: readonly boolean[] | Record<number, boolean>; checklistCount?: number } = {},
): TaskActionRequest {
  const body: TaskActionRequest = { action: v.action };
  const comment = trimmed(v.comment);
  switch (v.action) {
    case 'approve':
      if (checklistCount > 0) {
        body.checklist = Array.from({ length: checklistCount }, (_, i) => !!(ticks as Record<number, boolean>)[i]);
      }
      break;
    case 'reject':
      body.reason = trimmed(v.reason);
      break;
    case 'return':
      body.node = trimmed(v.node);
      body.reason = trimmed(v.reason);
      break;
    case 'transfer':
    case 'delegate':
      body.user = trimmed(v.user);
      break;
    case 'add_signer':
      body.user = trimmed(v.user);
      body.position = v.position ?? 'after';
      break;
    case 'comment':
      break;
  }
  if (comment) body.comment = comment;
  for (const k of Object.keys(body) as (keyof TaskActionRequest)[]) if (body[k] === undefined) delete body[k];
  return body;
}

/** Where a server field error goes: a form field, or a checklist item (index, or 'all' for the list as a whole). */
export type ErrorTarget = { field: 'comment' | 'reason' | 'node' | 'user' | 'position' } | { checklist: number | 'all' } | null;

export function errorTarget(pointer: string): ErrorTarget {
  const p = pointer.startsWith('#') ? pointer.slice(1) : pointer;
  const m = /^\/checklist(?:\/(\d+))?$/.exec(p);
  if (m) return { checklist: m[1] !== undefined ? Number(m[1]) : 'all' };
  const field = p.split('/')[1];
  if (field === 'comment' || field === 'reason' || field === 'node' || field === 'user' || field === 'position') return { field };
  return null;
}
