/**
 * The fetch wrapper for the Sluice API (/api/v1).
 * - sends the session cookie (credentials: 'same-origin');
 * - adds X-CSRF-Token (the sluice_csrf cookie) to every unsafe request;
 * - turns non-2xx answers into ApiError, reading application/problem+json bodies;
 * - reports 401 to the registered handler (the app sends the user to the login page).
 */

export const API_BASE = '/api/v1';
export const CSRF_COOKIE = 'sluice_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

export interface FieldError {
  pointer: string;
  message: string;
}

/** RFC 9457 problem details as the Sluice API sends them. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldError[];
  [key: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly fieldErrors: FieldError[];
  /** Seconds from the Retry-After header (429, 503), when the server sent one. */
  readonly retryAfter?: number;

  constructor(status: number, problem: Problem, retryAfter?: number) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.fieldErrors = Array.isArray(problem.errors)
      ? problem.errors
          .filter((e) => e && typeof e === 'object')
          .map((e) => ({ pointer: String(e.pointer ?? ''), message: String(e.message ?? '') }))
      : [];
    this.retryAfter = retryAfter;
  }

  get title(): string | undefined {
    return this.problem.title;
  }

  get detail(): string | undefined {
    return this.problem.detail;
  }
}

/** The problem type of a 409 on a task action: the task is no longer open (never a permission refusal). */
export const TASK_CHANGED = 'urn:sluice:problem:task-changed';

/** Why a task changed: someone decided it, the order went on without it, or a version migration moved the order. */
export type TaskChangedReason = 'decided' | 'cancelled' | 'moved';

const TASK_CHANGED_REASONS: readonly string[] = ['decided', 'cancelled', 'moved'];

/**
 * The machine reason of a task-changed problem (`type` urn:sluice:problem:task-changed, member `reason`), from an
 * ApiError or a batch item's error; undefined for anything else (an older server, another conflict).
 */
export function taskChangedReason(p: unknown): TaskChangedReason | undefined {
  const problem = p instanceof ApiError ? p.problem : (p as Problem | null | undefined);
  if (!problem || typeof problem !== 'object' || problem.type !== TASK_CHANGED) return undefined;
  return TASK_CHANGED_REASONS.includes(String(problem.reason)) ? (problem.reason as TaskChangedReason) : undefined;
}

/** Thrown when the server could not be reached at all. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'NetworkError';
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

export function getCookie(name: string, cookieString: string = document.cookie): string | undefined {
  for (const part of cookieString.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

type UnauthorizedHandler = (error: ApiError) => void;
let unauthorizedHandler: UnauthorizedHandler | undefined;

/** Registers what happens on a 401 (the app navigates to the login page). Returns an unregister function. */
export function onUnauthorized(handler: UnauthorizedHandler): () => void {
  unauthorizedHandler = handler;
  return () => {
    if (unauthorizedHandler === handler) unauthorizedHandler = undefined;
  };
}

/** The problem type of an approval the node lets only a recent sign-in make (403; member within_minutes). */
export const REAUTH_REQUIRED = 'urn:sluice:problem:reauth-required';

/** Asks the user for their password again (POST /auth/reauth); resolves true when they signed in again. */
type ReauthHandler = (error: ApiError) => Promise<boolean>;
let reauthHandler: ReauthHandler | undefined;

/** Registers the fresh sign-in prompt: a request refused for want of one is retried once after it. */
export function onReauthRequired(handler: ReauthHandler): () => void {
  reauthHandler = handler;
  return () => {
    if (reauthHandler === handler) reauthHandler = undefined;
  };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Do not call the 401 handler (the login request itself answers 401 on bad credentials). */
  skipAuthRedirect?: boolean;
  /** Do not ask for a fresh sign-in on a reauth-required refusal (the retry after one, the reauth itself). */
  skipReauth?: boolean;
}

export function buildUrl(path: string, query?: Query): string {
  const url = path.startsWith('/api/') ? path : `${API_BASE}${path.startsWith('/') ? '' : '/'}${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

async function readBody(res: Response): Promise<unknown> {
  if (res.status === 204) return undefined;
  const text = await res.text();
  if (!text) return undefined;
  const type = res.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Retry-After as seconds: delta-seconds, or an HTTP date (seconds from now, at least 0). */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** The UI's language (set on <html lang> by the i18n setup) as Accept-Language, so the server's problems read as the page does when the user has no language setting of their own. */
function uiLanguage(): Record<string, string> {
  const lang = typeof document !== 'undefined' ? document.documentElement.lang : '';
  return lang ? { 'Accept-Language': lang } : {};
}

export async function apiFetch<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = (options.method ?? (options.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...uiLanguage(), ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE.has(method)) {
    const token = getCookie(CSRF_COOKIE);
    if (token) headers[CSRF_HEADER] = token;
  }

  let res: Response;
  try {
    res = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new NetworkError(e);
  }

  const body = await readBody(res);
  if (res.ok) return body as T;

  const problem: Problem =
    body && typeof body === 'object'
      ? (body as Problem)
      : { title: res.statusText || undefined, detail: typeof body === 'string' && body.length < 500 ? body.trim() : undefined };
  if (problem.status === undefined) problem.status = res.status;
  const error = new ApiError(res.status, problem, parseRetryAfter(res.headers.get('Retry-After')));
  if (res.status === 401 && !options.skipAuthRedirect) unauthorizedHandler?.(error);
  if (res.status === 403 && problem.type === REAUTH_REQUIRED && !options.skipReauth && reauthHandler) {
    // the server refused before writing anything: sign in again, then the same request once more
    if (await reauthHandler(error)) return apiFetch<T>(path, { ...options, skipReauth: true });
  }
  throw error;
}

/**
 * POSTs to a path that answers a file (a recorded print of a PDF) and saves it under
 * filename: the browser cannot send an unsafe request from a plain link, so the file
 * comes through fetch (with the CSRF header) and is handed to the browser as a blob.
 */
export async function postDownload(path: string, query: Query | undefined, filename: string): Promise<void> {
  const headers: Record<string, string> = { Accept: 'application/pdf, application/problem+json' };
  const token = getCookie(CSRF_COOKIE);
  if (token) headers[CSRF_HEADER] = token;
  let res: Response;
  try {
    res = await fetch(buildUrl(path, query), { method: 'POST', headers, credentials: 'same-origin' });
  } catch (e) {
    throw new NetworkError(e);
  }
  if (!res.ok) {
    const body = await readBody(res);
    const problem: Problem = body && typeof body === 'object' ? (body as Problem) : { title: res.statusText || undefined };
    if (problem.status === undefined) problem.status = res.status;
    const error = new ApiError(res.status, problem, parseRetryAfter(res.headers.get('Retry-After')));
    if (res.status === 401) unauthorizedHandler?.(error);
    throw error;
  }
  const url = URL.createObjectURL(await res.blob());
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

export const api = {
  get: <T>(path: string, query?: Query, options?: Omit<RequestOptions, 'method' | 'query'>) =>
    apiFetch<T>(path, { ...options, method: 'GET', query }),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiFetch<T>(path, { ...options, method: 'POST', body: body ?? {} }),
  patch: <T>(path: string, body: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiFetch<T>(path, { ...options, method: 'PATCH', body }),
};

/** The segments of a JSON pointer ("#/a~1b/c" → ["a/b", "c"]), ~1 and ~0 decoded. */
export function pointerParts(pointer: string): string[] {
  const p = pointer.startsWith('#') ? pointer.slice(1) : pointer;
  if (p === '' || p === '/') return [];
  return p
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Converts the server's field errors into rjsf's ErrorSchema shape ({items: {0: {qty: {__errors: [..]}}}}).
 * Pointers are JSON Pointers into the request body; a leading /data (the order's data) is stripped.
 */
export function pointersToErrorSchema(errors: FieldError[], stripPrefix = '/data'): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const { pointer, message } of errors) {
    let p = pointer.startsWith('#') ? pointer.slice(1) : pointer;
    if (stripPrefix && (p === stripPrefix || p.startsWith(`${stripPrefix}/`))) p = p.slice(stripPrefix.length);
    const parts = pointerParts(p).filter((s) => s !== '');
    let node = root;
    for (const part of parts) {
      node[part] = (node[part] as Record<string, unknown>) ?? {};
      node = node[part] as Record<string, unknown>;
    }
    const list = (node.__errors as string[]) ?? [];
    list.push(message);
    node.__errors = list;
  }
  return root;
}

/** A random UUID (v4), also outside secure contexts where crypto.randomUUID is missing. */
export function randomUUID(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch {
      // not a secure context
    }
  }
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
