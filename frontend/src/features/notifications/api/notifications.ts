import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { NotificationPage } from '../../../lib/types';

export const notificationKeys = {
  all: ['notifications'] as const,
  list: () => [...notificationKeys.all, 'list'] as const,
};

export function listNotifications(): Promise<NotificationPage> {
  return api.get<NotificationPage>('/notifications', { limit: 30 });
}

/** The newest notifications and the unread count; kept fresh by live events (notification.created / read). */
export function useNotifications(enabled = true) {
  return useQuery({ queryKey: notificationKeys.list(), queryFn: listNotifications, enabled, staleTime: 60_000 });
}

export function markNotificationsRead(body: { ids?: number[]; all?: boolean }): Promise<{ unread: number }> {
  return api.post<{ unread: number }>('/notifications/read', body);
}

export function useMarkRead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: markNotificationsRead,
    onSuccess: (res, body) => {
      qc.setQueryData<NotificationPage>(notificationKeys.list(), (old) =>
        old
          ? {
              ...old,
              unread: res.unread,
              items: old.items.map((n) =>
                body.all || body.ids?.includes(n.id) ? { ...n, read_at: n.read_at ?? new Date().toISOString() } : n,
              ),
            }
          : old,
      );
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: notificationKeys.all }),
  });
}
