import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, NetworkError, api, apiFetch, buildUrl, getCookie, onReauthRequired, onUnauthorized, REAUTH_REQUIRED, parseRetryAfter, pointerParts, pointersToErrorSchema, postDownload, randomUUID } from './api';

type FetchArgs = [string, RequestInit];

function jsonResponse(status: number, body: unknown, type = 'application/json') {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
}

let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(() => {
  fetchMock = vi.fn();
  vi.stubGlobal('fetch', fetchMock);
  document.cookie = 'sluice_csrf=tok%2Fen-123; path=/';
  document.cookie = 'other=1; path=/';
});

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = 'sluice_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
});

describe('apiFetch', () => {
  it('sends X-CSRF-Token from the sluice_csrf cookie on unsafe requests, with the session cookie', async () => {
    fetchMock.mockResolvedValue(jsonResponse(201, { id: 7 }));
    const out = await api.post<{ id: number }>('/orders', { flow: 'order-review', data: {} }, { headers: { 'Idempotency-Key': 'k1' } });
    expect(out).toEqual({ id: 7 });
    const [url, init] = fetchMock.mock.calls[0] as FetchArgs;
    expect(url).toBe('/api/v1/orders');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    const headers = init.headers as Record<string, string>;
    expect(headers['X-CSRF-Token']).toBe('tok/en-123');
    expect(headers['Idempotency-Key']).toBe('k1');
    expect(headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(init.body as string)).toEqual({ flow: 'order-review', data: {} });
  });

  it('does not send the CSRF header on GET and drops empty query values', async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, { items: [] }));
    await api.get('/orders', { status: 'in_review', q: '', cursor: undefined, limit: 20 });
    const [url, init] = fetchMock.mock.calls[0] as FetchArgs;
    expect(url).toBe('/api/v1/orders?status=in_review&limit=20');
    expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
  });

  it('turns problem+json into an ApiError with detail and field pointers', async () => {
    fetchMock.mockResolvedValue(
      jsonResponse(
        422,
        {
          type: 'https://sluice.dev/problems/validation',
          title: 'Unprocessable Entity',
          status: 422,
          detail: 'the order data is not valid',
          errors: [
            { pointer: '/data/items/0/qty', message: 'must be >= 1' },
            { pointer: '/data/customer/name', message: 'required' },
          ],
        },
        'application/problem+json',
      ),
    );
    const err = (await apiFetch('/orders', { method: 'POST', body: {} }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.message).toBe('the order data is not valid');
    expect(err.detail).toBe('the order data is not valid');
    expect(err.fieldErrors).toEqual([
      { pointer: '/data/items/0/qty', message: 'must be >= 1' },
      { pointer: '/data/customer/name', message: 'required' },
    ]);
  });

  it('makes an ApiError from a non-JSON error body', async () => {
    fetchMock.mockResolvedValue(new Response('upstream down', { status: 502, statusText: 'Bad Gateway' }));
    const err = (await api.get('/me').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(502);
    expect(err.problem.detail).toBe('upstream down');
    expect(err.fieldErrors).toEqual([]);
  });

  it('reports 401 to the handler, except when told not to', async () => {
    const handler = vi.fn();
    const off = onUnauthorized(handler);
    fetchMock.mockImplementation(async () => jsonResponse(401, { title: 'Unauthorized', status: 401 }));
    await expect(api.get('/tasks')).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledTimes(1);
    await expect(api.post('/auth/login', {}, { skipAuthRedirect: true })).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledTimes(1);
    off();
    await expect(api.get('/tasks')).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('wraps a failed fetch in NetworkError', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
    await expect(api.get('/me')).rejects.toBeInstanceOf(NetworkError);
  });

  it('accepts an empty 204 answer', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
    await expect(api.post('/auth/logout')).resolves.toBeUndefined();
  });
});

describe('helpers', () => {
  it('getCookie reads one cookie and decodes it', () => {
    expect(getCookie('sluice_csrf', 'a=1; sluice_csrf=x%3Dy; b=2')).toBe('x=y');
    expect(getCookie('missing', 'a=1')).toBeUndefined();
  });

  it('buildUrl keeps /api paths and prefixes the others', () => {
    expect(buildUrl('/api/v1/me')).toBe('/api/v1/me');
    expect(buildUrl('tasks', { scope: 'mine' })).toBe('/api/v1/tasks?scope=mine');
  });

  it('pointersToErrorSchema nests the messages where rjsf expects them', () => {
    expect(
      pointersToErrorSchema([
        { pointer: '/data/items/0/qty', message: 'too small' },
        { pointer: '/data/items/0/qty', message: 'not an integer' },
        { pointer: '/data', message: 'bad order' },
        { pointer: '/data/a~1b', message: 'escaped' },
      ]),
    ).toEqual({
      __errors: ['bad order'],
      items: { 0: { qty: { __errors: ['too small', 'not an integer'] } } },
      'a/b': { __errors: ['escaped'] },
    });
  });

  it('randomUUID gives distinct v4 UUIDs', () => {
    const a = randomUUID();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(randomUUID()).not.toBe(a);
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('598')).toBe(598);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2026-11-27T10:00:00Z');
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Fri, 27 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('puts a 429’s Retry-After on the ApiError', async () => {
    fetchMock.mockResolvedValue(
      new Response(JSON.stringify({ status: 429, title: 'Too Many Requests', detail: 'this task was urged recently; try again in 9m58s' }), {
        status: 429,
        headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '599' },
      }),
    );
    const err = (await api.post('/tasks/4/actions', { action: 'urge' }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(599);
    expect(err.detail).toBe('this task was urged recently; try again in 9m58s');
  });
});

describe('pointerParts', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['/', []],
    ['/rules/verify/remind_after', ['rules', 'verify', 'remind_after']],
    ['#/a~1b/c~0d', ['a/b', 'c~d']],
  ])('%j', (p, want) => expect(pointerParts(p)).toEqual(want));
});

describe('postDownload', () => {
  it('prints with a POST carrying the CSRF header and saves the PDF under the file name', async () => {
    fetchMock.mockResolvedValue(new Response(new Blob(['%PDF-1.7']), { status: 200, headers: { 'Content-Type': 'application/pdf' } }));
    const created = vi.fn(() => 'blob:pdf');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    await postDownload('/orders/7/documents/order.pdf', { lang: 'en' }, 'SO-1-order.pdf');
    const [url, init] = fetchMock.mock.calls[0] as FetchArgs;
    expect(url).toBe('/api/v1/orders/7/documents/order.pdf?lang=en');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok/en-123');
    expect(created).toHaveBeenCalledOnce();
    expect(click).toHaveBeenCalledOnce();
    click.mockRestore();
  });

  it('turns a problem answer into an ApiError and saves nothing', async () => {
    fetchMock.mockResolvedValue(jsonResponse(403, { title: 'Forbidden', detail: 'you may not see this order' }, 'application/problem+json'));
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    const err = await postDownload('/orders/7/documents/order.pdf', undefined, 'x.pdf').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect(click).not.toHaveBeenCalled();
    click.mockRestore();
  });
});

describe('fresh sign-in (reauth-required)', () => {
  const refused = () =>
    jsonResponse(403, { type: REAUTH_REQUIRED, title: 'Forbidden', status: 403, within_minutes: 15 }, 'application/problem+json');

  it('asks for the password once and retries the same request', async () => {
    fetchMock.mockResolvedValueOnce(refused()).mockResolvedValueOnce(jsonResponse(200, { ok: true }));
    const asked: number[] = [];
    const off = onReauthRequired(async (e) => {
      asked.push(Number(e.problem.within_minutes));
      return true;
    });
    try {
      await expect(api.post('/tasks/1/actions', { action: 'approve' })).resolves.toEqual({ ok: true });
    } finally {
      off();
    }
    expect(asked).toEqual([15]);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect((fetchMock.mock.calls[1] as FetchArgs)[1].body).toBe(JSON.stringify({ action: 'approve' }));
  });

  it('gives up without a retry when the prompt is cancelled, and never loops on a second refusal', async () => {
    fetchMock.mockResolvedValueOnce(refused());
    const off = onReauthRequired(async () => false);
    await expect(api.post('/tasks/1/actions', {})).rejects.toMatchObject({ status: 403 });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    off();
    fetchMock.mockReset();
    fetchMock.mockResolvedValueOnce(refused()).mockResolvedValueOnce(refused());
    const again = onReauthRequired(async () => true);
    await expect(api.post('/tasks/1/actions', {})).rejects.toMatchObject({ status: 403 });
    expect(fetchMock).toHaveBeenCalledTimes(2);
    again();
  });
});
