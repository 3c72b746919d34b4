import type { components } from '../../lib/api.gen';
import type { ImportJob } from './api';

/** The data of an `import.progress` live event. */
export interface ProgressEvent {
  id: number;
  status: string;
  processed: number;
  total: number;
  created: number;
  skipped: number;
  failed: number;
}

export interface ProgressState {
  /** Per import id: the latest known counts. */
  jobs: Record<number, ProgressEvent>;
}

export const initialProgress: ProgressState = { jobs: {} };

export function parseProgress(data: Record<string, unknown>): ProgressEvent | null {
  const id = Number(data.id);
  if (!Number.isFinite(id) || id <= 0) return null;
  const n = (k: string) => (Number.isFinite(Number(data[k])) ? Number(data[k]) : 0);
  return { id, status: String(data.status ?? 'running'), processed: n('processed'), total: n('total'), created: n('created'), skipped: n('skipped'), failed: n('failed') };
}

/** A job is `running` until it is `done` or `failed`. */
export const isFinished = (status: string) => status === 'done' || status === 'failed';

/**
 * Folds progress events and fetched jobs into the latest counts per import. Counts never go back (an
 * event replayed after a newer fetch is ignored), and a finished job stays finished.
 */
export function progressReducer(state: ProgressState, action: { type: 'event'; event: ProgressEvent } | { type: 'job'; job: ImportJob }): ProgressState {
  const next: ProgressEvent =
    action.type === 'event'
      ? action.event
      : {
          id: action.job.id,
          status: action.job.status,
          processed: action.job.created + action.job.skipped + action.job.failed,
          total: action.job.total,
          created: action.job.created,
          skipped: action.job.skipped,
          failed: action.job.failed,
        };
  const prev = state.jobs[next.id];
  if (prev) {
    if (isFinished(prev.status) && !isFinished(next.status)) return state;
    if (next.processed < prev.processed) return state;
  }
  return { jobs: { ...state.jobs, [next.id]: next } };
}

export function percent(p: ProgressEvent | undefined): number {
  if (!p) return 0;
  if (isFinished(p.status)) return 100;
  if (!p.total) return 0;
  return Math.min(100, Math.round((p.processed / p.total) * 100));
}

/** Checks the mapping text: empty is fine (the template's columns), else a JSON object. Returns an error code or null. */
export function mappingError(text: string): 'json' | 'object' | null {
  if (!text.trim()) return null;
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? null : 'object';
  } catch {
    return 'json';
  }
}

/** A mapping document, as POST /imports takes it. */
export type ImportMapping = components['schemas']['ImportMapping'];
export type ImportField = components['schemas']['ImportField'];

/** What a column fills: `f:<path>` an order field, `i:<path>` a line-item field, `ref` the order reference, '' nothing. */
export type Target = string;
export const REF_TARGET = 'ref';

export const fieldTarget = (f: ImportField): Target => (f.items ? `i:${f.path}` : `f:${f.path}`);

/** Which target each column of `header` has in `m` (the inverse of `buildMapping`). */
export function targetsOf(m: ImportMapping | undefined, header: string[]): Record<string, Target> {
  const out: Record<string, Target> = Object.fromEntries(header.map((h) => [h, '']));
  if (!m) return out;
  for (const [path, col] of Object.entries(m.fields ?? {})) if (col in out) out[col] = `f:${path}`;
  for (const [path, col] of Object.entries(m.items?.fields ?? {})) if (col in out) out[col] = `i:${path}`;
  const ref = m.group_by || m.external_ref;
  if (ref && ref in out) out[ref] = REF_TARGET;
  return out;
}

/**
 * The mapping document for the columns' targets: order fields, the line-item list's fields, the reference column
 * (grouping the rows into orders and identifying them). Constants of `base` (the form's defaults) stay unless a
 * column now fills their field.
 */
export function buildMapping(targets: Record<string, Target>, fields: ImportField[], base?: ImportMapping): ImportMapping {
  const m: ImportMapping = { fields: {} };
  const itemsList = fields.find((f) => f.items)?.items;
  for (const [col, target] of Object.entries(targets)) {
    if (target === REF_TARGET) {
      m.group_by = col;
      m.external_ref = col;
    } else if (target.startsWith('f:')) {
      m.fields[target.slice(2)] = col;
    } else if (target.startsWith('i:') && itemsList) {
      m.items ??= { field: itemsList, fields: {} };
      m.items.fields[target.slice(2)] = col;
    }
  }
  const values = Object.fromEntries(Object.entries(base?.values ?? {}).filter(([path]) => !(path in m.fields)));
  if (Object.keys(values).length) m.values = values;
  return m;
}

/** The required fields `m` fills neither from a column nor with a constant. */
export function missingFields(fields: ImportField[], m: ImportMapping): ImportField[] {
  return fields.filter((f) => {
    if (!f.required) return false;
    if (f.items) return !(m.items?.field === f.items && f.path in (m.items.fields ?? {}));
    return !(f.path in (m.fields ?? {})) && !(f.path in (m.values ?? {}));
  });
}

/** A job's outcome: how many of its orders failed, and whether that is all of them. */
export function outcome(p: { status: string; total: number; failed: number }): 'running' | 'ok' | 'partial' | 'failed' {
  if (!isFinished(p.status)) return 'running';
  if (p.status === 'failed' || (p.total > 0 && p.failed >= p.total)) return 'failed';
  return p.failed > 0 ? 'partial' : 'ok';
}
