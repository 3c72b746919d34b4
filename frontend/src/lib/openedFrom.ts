/** Where an order page was opened from, as router location state: `<Link to=… state={openedFrom('tasks')}>`. */
export type OpenedFrom = 'tasks' | 'notifications';
export const openedFrom = (from: OpenedFrom) => ({ from });

/**
 * The navigation entry an order page was opened from (the inbox, the notifications); undefined for any other
 * page or an order opened some other way, where the path decides. The path alone lit up the orders entry for
 * an order opened from the inbox.
 */
export function openedFromKey(pathname: string, state: unknown): OpenedFrom | undefined {
  if (!/^\/orders\/\d+/.test(pathname)) return undefined;
  const from = (state as { from?: unknown } | null)?.from;
  return from === 'tasks' || from === 'notifications' ? from : undefined;
}
