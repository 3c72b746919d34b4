import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api';

export function logout(): Promise<void> {
  return api.post<void>('/auth/logout', {}, { skipAuthRedirect: true });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: logout,
    // whatever the server says (an expired session answers 401), the local state is cleared
    onSettled: () => {
      qc.clear();
    },
  });
}
