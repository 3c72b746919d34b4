import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiFetch } from '../../../lib/api';
import type { Board, OrderComment, OrderLock } from '../../../lib/types';
import { orderKeys } from '../../orders';

export interface BoardFilters {
  flow?: string;
  q?: string;
  status?: string;
  assignee?: string;
}

export const boardKeys = {
  all: ['boards'] as const,
  board: (department: string, f: BoardFilters) => [...boardKeys.all, department, f] as const,
};

export function getBoard(department: string, f: BoardFilters): Promise<Board> {
  return api.get<Board>(`/boards/${encodeURIComponent(department)}`, { ...f });
}

/** The next page of one column of a board (the column's next_cursor). */
export function getBoardColumn(department: string, f: BoardFilters, node: string, cursor: string): Promise<Board> {
  return api.get<Board>(`/boards/${encodeURIComponent(department)}`, { ...f, node, cursor });
}

/** A department's board; live events on department:<key> invalidate it (no polling). */
export function useBoard(department: string | undefined, f: BoardFilters) {
  return useQuery({
    queryKey: boardKeys.board(department ?? '', f),
    queryFn: () => getBoard(department!, f),
    enabled: !!department,
    placeholderData: (prev) => prev,
  });
}

export function useLockOrder() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ orderId, release }: { orderId: number; release?: boolean }): Promise<OrderLock | void> =>
      release
        ? apiFetch<void>(`/orders/${orderId}/lock`, { method: 'DELETE' })
        : api.post<OrderLock>(`/orders/${orderId}/lock`, {}),
    onSettled: () => void qc.invalidateQueries({ queryKey: boardKeys.all }),
  });
}

export const commentKeys = {
  list: (orderId: string) => [...orderKeys.all, 'comments', orderId] as const,
};

export function useComments(orderId: number | string | undefined) {
  const id = orderId === undefined ? '' : String(orderId);
  return useQuery({
    queryKey: commentKeys.list(id),
    queryFn: () => api.get<{ items: OrderComment[] }>(`/orders/${encodeURIComponent(id)}/comments`),
    enabled: !!id,
  });
}

export function useAddComment(orderId: number | string) {
  const qc = useQueryClient();
  const id = String(orderId);
  return useMutation({
    mutationFn: (body: string) => api.post<OrderComment>(`/orders/${encodeURIComponent(id)}/comments`, { body }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: commentKeys.list(id) });
      void qc.invalidateQueries({ queryKey: boardKeys.all });
    },
  });
}

/** The flow's latest published shape (nodes and edges), read from its dashboard figures of today only. */
export function useFlowGraph(flow: string | undefined) {
  return useQuery({
    queryKey: ['boards', 'graph', flow ?? ''],
    queryFn: () => {
      const today = new Date().toISOString().slice(0, 10);
      return api.get<{ graph: { nodes: { id: string; type: string }[]; edges: { from: string; to: string; outcome?: string }[] } }>(
        `/flows/${encodeURIComponent(flow!)}/stats`,
        { from: today, to: today },
      );
    },
    select: (s) => s.graph,
    enabled: !!flow,
    staleTime: 5 * 60_000,
  });
}

/** A card dropped on another column: the review action it stands for (approve, or return to a node). */
export function useDropAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ task, body }: { orderId: number; task: number; body: { action: 'approve' | 'return'; node?: string } }) =>
      api.post<unknown>(`/tasks/${task}/actions`, body),
    onSettled: (_r, _e, v) => {
      void qc.invalidateQueries({ queryKey: boardKeys.all });
      void qc.invalidateQueries({ queryKey: orderKeys.detail(String(v.orderId)) });
      void qc.invalidateQueries({ queryKey: ['tasks'] });
    },
  });
}
