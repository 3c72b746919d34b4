import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { LoginResponse } from '../../../lib/types';
import { authKeys } from './keys';

export interface LoginRequest {
  username: string;
  password: string;
}

export function login(body: LoginRequest): Promise<LoginResponse> {
  return api.post<LoginResponse>('/auth/login', body, { skipAuthRedirect: true });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: async () => {
      // a different user may sign in on the same tab: drop everything cached for the previous one
      qc.removeQueries();
      await qc.invalidateQueries({ queryKey: authKeys.me });
    },
  });
}
