// Shapes of the Sluice API (/api/v1) as the front end uses them.
import type { LocalizedText } from '../i18n/pickText';

export interface User {
  id: number | string;
  username: string;
  display_name: string;
  is_admin: boolean;
  locale?: string;
}

export interface Membership {
  department: string;
  role: string;
}

export interface Department {
  key: string;
  name: LocalizedText;
  parent?: string;
}

export interface Me {
  user: User;
  memberships: Membership[];
  /** permissions held somewhere, e.g. "orders.create" (see features/auth/permissions) */
  permissions: string[];
}

export interface LoginResponse {
  token: string;
  user: User;
}

export type OrderStatus =
  | 'in_review'
  | 'approved'
  | 'rejected'
  | 'completed'
  | 'withdrawn'
  | 'cancelled'
  | 'exception';

export const ORDER_STATUSES: OrderStatus[] = [
  'in_review',
  'approved',
  'rejected',
  'completed',
  'withdrawn',
  'cancelled',
  'exception',
];

export type JsonSchema = Record<string, unknown>;
export type UiSchema = Record<string, unknown>;

export interface FormDef {
  key: string;
  version: number;
  name: LocalizedText;
  schema: JsonSchema;
  ui?: UiSchema;
  description?: LocalizedText;
  /** Top-level fields the server computes (e.g. total): a list of names, or name → expression. */
  computed?: string[] | Record<string, unknown>;
}

export interface FlowSummary {
  key: string;
  version: number;
  name: LocalizedText;
  form?: string | { key: string; version?: number; name?: LocalizedText };
}

export interface FlowForm {
  flow: { key: string; version: number; name: LocalizedText };
  form: FormDef;
}

/** A checklist entry: a localized text ({"zh-TW": …}), a plain string, or {key?, text|label}. */
export type ChecklistItem =
  | string
  | Record<string, string>
  | { key?: string; text?: LocalizedText; label?: LocalizedText };

/** Task kinds: a vote of the node (review), a signer added before someone (before), a delegate's recommendation (delegate), a copy (cc). */
export type TaskKind = 'review' | 'before' | 'delegate' | 'cc';

export interface Task {
  id: number | string;
  node: string;
  node_name: LocalizedText;
  /** any | all | sequential | ratio (empty on some answers). */
  mode?: string;
  kind?: TaskKind | string;
  /** open | waiting (until its added signer or delegate decides) | done | cancelled | cc */
  status: string;
  /** E.g. a delegate's recommendation: "manager2 recommends approve". */
  comment?: string;
  assignees: string[];
  version?: number;
  /** Reason codes for rejecting / returning (labels come from i18n `reasons.<code>`). */
  reasons?: string[];
  checklist?: ChecklistItem[];
  /** Top-level form fields this node's reviewers may change (sent in `fields` with approve or comment). */
  editable?: string[];
  can_act: boolean;
  /** The action that closed the task (approve, reject, return); absent while open. */
  decision?: string;
  decided_by?: string;
  created_at?: string;
}

export interface Order {
  id: number | string;
  number: string;
  flow: string;
  version: number;
  status: OrderStatus | string;
  department?: string;
  submitter?: string;
  data: Record<string, unknown>;
  total?: number | string | null;
  current_nodes?: string[];
  tasks?: Task[];
  created_at: string;
  updated_at?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface HistoryEntry {
  seq: number;
  at: string;
  /** Username, or `system` for automatic steps. */
  actor?: string | null;
  action: string;
  node?: string | null;
  /** Optional display name of `node`. */
  node_name?: LocalizedText;
  comment?: string | null;
  reason?: string | null;
  task_id?: number;
  /** Entry-specific, e.g. trace ([{node, text}]), assignees, outcome. */
  detail?: Record<string, unknown> | null;
}

export type TaskScope = 'mine' | 'cc' | 'done' | 'initiated';

/** An inbox line. For scope `initiated` it is one line per order: id 0, status the order's, node its first current one. */
export interface TaskListItem {
  id: number | string;
  node: string;
  node_name?: LocalizedText;
  status: string;
  kind?: TaskKind | string;
  decision?: string;
  created_at: string;
  order: {
    id: number | string;
    number: string;
    flow: string;
    status: OrderStatus | string;
    total?: number | string | null;
    submitter?: string;
    department?: string;
  };
}

/** Actions a reviewer takes on their task. */
export type ReviewAction = 'approve' | 'reject' | 'return' | 'comment' | 'transfer' | 'delegate' | 'add_signer';
/** Actions the submitter takes on the order, through one of its tasks. */
export type SubmitterAction = 'withdraw' | 'urge';
export type TaskAction = ReviewAction | SubmitterAction;

export type SignerPosition = 'before' | 'after';

/** Body of POST /tasks/{id}/actions. */
export interface TaskActionRequest {
  action: TaskAction;
  comment?: string;
  reason?: string;
  /** return: the earlier review node to go back to (default: the previous one). */
  node?: string;
  /** transfer, delegate, add_signer: a username. */
  user?: string;
  /** add_signer: before | after (default after). */
  position?: SignerPosition;
  /** approve: one tick per checklist item, all true. */
  checklist?: boolean[];
  /** approve, comment: new values of fields the task lists in `editable`. */
  fields?: Record<string, unknown>;
}

export interface TaskActionResponse {
  task: Task;
  order: Order;
}

/** Body of POST /tasks/batch. */
export interface BatchRequest {
  tasks: number[];
  action: 'approve' | 'reject' | 'comment';
  comment?: string;
  reason?: string;
  checklist?: boolean[];
}

/** The outcome for one task of a batch: `status` is the HTTP status it alone would have had. */
export interface BatchItem {
  task: number;
  status: number;
  result?: TaskActionResponse;
  /** `type` and `reason` as a problem's: urn:sluice:problem:task-changed with decided | cancelled | moved. */
  error?: { status: number; type?: string; reason?: string; detail: string; errors?: { pointer: string; message: string }[] };
}

export interface BatchResponse {
  items: BatchItem[];
}

/** A user as GET /users lists them (admins only). */
export interface UserListItem {
  id: number;
  username: string;
  display_name: string;
  is_admin?: boolean;
  disabled?: boolean;
}

/** GET /notifications: one inbox entry (reminder, escalation, mention …). */
export interface NotificationItem {
  id: number;
  type: string;
  title: string;
  order_id?: number;
  data: Record<string, unknown>;
  seq: number;
  created_at: string;
  read_at?: string;
}

export interface NotificationPage {
  items: NotificationItem[];
  unread: number;
  next?: number;
}

/** A soft lock on an order (advisory: shown on boards, never blocks acting). */
export interface OrderLock {
  order_id: number;
  by: string;
  until: string;
}

export interface BoardCard {
  order_id: number;
  number: string;
  status: string;
  total: number;
  submitter: string;
  customer?: string;
  assignees: string[];
  since: string;
  /** The earliest pending SLA timer of the node's open tasks. */
  due?: string;
  lock?: OrderLock;
  comments: number;
}

export interface BoardColumn {
  node: string;
  name?: LocalizedText;
  /** One page of the column's cards. */
  cards: BoardCard[];
  /** How many cards the column holds in all. */
  count?: number;
  /** Fetches the column's next page (with `node`); absent on its last page. */
  next_cursor?: string;
}

export interface Board {
  flow: string;
  version: number;
  department: string;
  columns: BoardColumn[];
}

export interface OrderComment {
  id: number;
  order_id: number;
  author: string;
  body: string;
  mentions: string[];
  created_at: string;
}
