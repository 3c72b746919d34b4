import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../../lib/api';
import type { PluginInfo } from '../lib/plugins';
import type { ExpressionResult } from '../lib/expression';

export function usePlugins() {
  return useQuery({
    queryKey: ['plugins'],
    queryFn: () => api.get<{ items: PluginInfo[] }>('/plugins').then((r) => r.items),
    staleTime: 5 * 60_000,
  });
}

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

/** Checks a condition against the flow's form with the server's compiler, debounced while typing. */
export function useExpressionCheck(form: string, expr: string | undefined, ms = 400) {
  const debounced = useDebounced(expr, ms);
  // the server says what to fix in the UI's language: another language asks again
  const { i18n } = useTranslation();
  const q = useQuery({
    queryKey: ['expression-check', form, debounced, i18n.language],
    queryFn: ({ signal }) => api.post<ExpressionResult>('/flows/expressions/check', { form, expr: debounced }, { signal }),
    enabled: debounced !== undefined,
    staleTime: Infinity,
    placeholderData: keepPreviousData,
    retry: false,
  });
  return { ...q, pending: expr !== debounced || q.isFetching, checked: debounced };
}
