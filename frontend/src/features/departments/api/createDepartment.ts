import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { Department } from '../../../lib/types';
import { departmentKeys } from './listDepartments';

/** POST /departments (users.manage company-wide): a department with its name per language. */
export function useCreateDepartment() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Department) => api.post<Department>('/departments', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: departmentKeys.all }),
  });
}
