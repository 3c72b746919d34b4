import { useCallback } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { Department, Page } from '../../../lib/types';
import { useLang } from '../../../i18n/useLang';

export const departmentKeys = { all: ['departments'] as const };

export function listDepartments(): Promise<Page<Department>> {
  return api.get<Page<Department>>('/departments');
}

export function useDepartments() {
  return useQuery({ queryKey: departmentKeys.all, queryFn: listDepartments, staleTime: 10 * 60_000 });
}

/** Turns a department key into its name (the key itself until the list is loaded or when unknown). */
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
