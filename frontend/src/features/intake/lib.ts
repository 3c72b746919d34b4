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
