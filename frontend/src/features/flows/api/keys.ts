export const flowKeys = {
  all: ['flows'] as const,
  list: () => [...flowKeys.all, 'list'] as const,
  form: (key: string, version?: number) => [...flowKeys.all, 'form', key, version ?? 'published'] as const,
};
