import { useCallback } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { Department, Page } from '../../../lib/types';
import { useLang } from '../../../i18n/useLang';
import { DEFAULT_LANGUAGE } from '../../../i18n/languages';
import type { LocalizedText } from '../../../i18n/pickText';

/** A department as the screens use it: its name in every language it has (pick it with useLang). */
export type DepartmentItem = Omit<Department, 'name' | 'names'> & { name: LocalizedText };

export const departmentKeys = { all: ['departments'] as const };

/** The name per language, the plain name standing in for zh-TW (and so for any language not given). */
export function departmentText(d: Pick<Department, 'name' | 'names'>): LocalizedText {
  return d.names && Object.keys(d.names).length ? { [DEFAULT_LANGUAGE]: d.name, ...d.names } : d.name;
}

export async function listDepartments(): Promise<Page<DepartmentItem>> {
  const page = await api.get<Page<Department>>('/departments');
  return { ...page, items: (page.items ?? []).map(({ names, ...d }) => ({ ...d, name: departmentText({ name: d.name, names }) })) };
}

export function useDepartments() {
  return useQuery({ queryKey: departmentKeys.all, queryFn: listDepartments, staleTime: 10 * 60_000 });
}

/** Turns a department key into its name in the UI language (the key itself until the list is loaded or when unknown). */
export function useDepartmentName() {
  const { data } = useDepartments();
  const { pick } = useLang();
  return useCallback(
    (key: string | undefined | null) => {
      if (!key) return '';
      const d = data?.items?.find((x) => x.key === key);
      return (d && pick(d.name)) || key;
    },
    [data, pick],
  );
}
