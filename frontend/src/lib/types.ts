// Shapes of the Sluice API (/api/v1) as the front end uses them. The wire types come from
// the OpenAPI document (backend/api/openapi.json) through api.gen.ts (`npm run gen:api`);
// this file only names them, so feature code keeps importing from here. Do not describe a
// wire shape by hand: change the document and regenerate.
import type { components, paths } from './api.gen';

export type Schemas = components['schemas'];

export type User = Schemas['UserView'];
export type Membership = Schemas['Membership'];
export type Department = Schemas['DepartmentView'];
export type Me = Schemas['Me'];
export type LoginResponse = Schemas['LoginResponse'];

/** The statuses the order list filters by. The wire `status` is a string: a flow's end node may define its own. */
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

/** The latest published version of a flow's form (GET /flows/{key}/form). */
export type FormDef = Schemas['FlowFormView']['form'];
export type FlowSummary = Schemas['FlowItem'];
export type FlowForm = Schemas['FlowFormView'];

export type Task = Schemas['TaskView'];
/** A checklist entry: a localized text, a plain string, or {key?, text|label}. */
export type ChecklistItem = NonNullable<Task['checklist']>[number];
/** Task kinds: a vote of the node (review), a signer added before someone (before), a delegate's recommendation (delegate), a copy (cc). */
export type TaskKind = NonNullable<Task['kind']>;

export type Order = Schemas['OrderView'];

/** A page of a cursor-paginated list (GET /orders, /tasks, /flows, /orders/{id}/history…). */
export type Page<T> = { items: T[]; next_cursor?: string };

export type HistoryEntry = Schemas['HistoryItem'];

export type TaskScope = NonNullable<NonNullable<paths['/api/v1/tasks']['get']['parameters']['query']>['scope']>;

/** An inbox line. For scope `initiated` it is one line per order: id 0, status the order's, node its first current one. */
export type TaskListItem = Schemas['TaskItem'];

/** Body of POST /tasks/{id}/actions. */
export type TaskActionRequest = Schemas['ActionRequest'];
export type TaskAction = TaskActionRequest['action'];
/** Actions the submitter takes on the order, through one of its tasks. */
export type SubmitterAction = Extract<TaskAction, 'withdraw' | 'urge'>;
/** Actions a reviewer takes on their task. */
export type ReviewAction = Exclude<TaskAction, SubmitterAction>;
export type SignerPosition = NonNullable<TaskActionRequest['position']>;
export type TaskActionResponse = Schemas['ActionResult'];

/** Body of POST /tasks/batch. */
export type BatchRequest = Schemas['BatchRequest'];
/** The outcome for one task of a batch: `status` is the HTTP status it alone would have had. */
export type BatchItem = Schemas['BatchItem'];
export type BatchResponse = paths['/api/v1/tasks/batch']['post']['responses'][200]['content']['application/json'];

/** A user as GET /users lists them (admins only). */
export type UserListItem = Schemas['UserView'];

/** GET /notifications: one inbox entry (reminder, escalation, mention …). */
export type NotificationItem = Schemas['NotificationView'];
export type NotificationPage = Schemas['NotificationPage'];

/** A soft lock on an order (advisory: shown on boards, never blocks acting). */
export type OrderLock = Schemas['LockView'];
export type BoardCard = Schemas['BoardCard'];
export type BoardColumn = Schemas['BoardColumn'];
export type Board = Schemas['Board'];
export type OrderComment = Schemas['CommentView'];
