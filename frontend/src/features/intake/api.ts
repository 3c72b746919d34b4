import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, CSRF_COOKIE, CSRF_HEADER, getCookie, buildUrl, type Problem } from '../../lib/api';
import type { components } from '../../lib/api.gen';

// Wire types: generated from the OpenAPI document (lib/api.gen.ts, `npm run gen:api`).
export type RowError = components['schemas']['RowError'];
export type ImportJob = components['schemas']['ImportJob'];
export type ImportPreview = components['schemas']['ImportPreview'];

export const importKeys = {
  all: ['imports'] as const,
  list: () => [...importKeys.all, 'list'] as const,
  detail: (id: number) => [...importKeys.all, 'detail', id] as const,
};

export function useImports() {
  return useQuery({ queryKey: importKeys.list(), queryFn: () => api.get<{ items: ImportJob[] }>('/imports') });
}

export function useImport(id: number | undefined) {
  return useQuery({
    queryKey: importKeys.detail(id ?? 0),
    queryFn: () => api.get<ImportJob>(`/imports/${id}`),
    enabled: !!id,
    // live events drive the progress; a slow poll covers a missed one
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 10_000 : false),
  });
}

export interface UploadInput {
  file: File;
  flow: string;
  mapping?: string;
  department?: string;
  /** a CSV file's text encoding; empty or 'auto' lets the server detect it */
  encoding?: string;
}

function uploadForm(input: UploadInput): FormData {
  const fd = new FormData();
  fd.set('file', input.file);
  fd.set('flow', input.flow);
  if (input.mapping?.trim()) fd.set('mapping', input.mapping.trim());
  if (input.department) fd.set('department', input.department);
  if (input.encoding && input.encoding !== 'auto') fd.set('encoding', input.encoding);
  return fd;
}

/** POST /imports as multipart (the JSON fetch wrapper does not send forms). */
export function uploadImport(input: UploadInput): Promise<ImportJob> {
  return postForm<ImportJob>('/imports', uploadForm(input));
}

/** POST /imports/preview: the file's head and the mapping its headers suggest; nothing is recorded. */
export function previewImport(input: UploadInput): Promise<ImportPreview> {
  return postForm<ImportPreview>('/imports/preview', uploadForm({ ...input, mapping: undefined }));
}

async function postForm<T>(path: string, fd: FormData): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  const token = getCookie(CSRF_COOKIE);
  if (token) headers[CSRF_HEADER] = token;
  const res = await fetch(buildUrl(path), { method: 'POST', body: fd, headers, credentials: 'same-origin' });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!res.ok) {
    const problem: Problem = body && typeof body === 'object' ? (body as Problem) : { title: res.statusText, detail: String(body ?? '') };
    throw new ApiError(res.status, problem);
  }
  return body as T;
}

export function useUpload() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: uploadImport,
    onSuccess: (job) => {
      qc.setQueryData(importKeys.detail(job.id), job);
      void qc.invalidateQueries({ queryKey: importKeys.list() });
    },
  });
}

export function usePreview() {
  return useMutation({ mutationFn: previewImport });
}
