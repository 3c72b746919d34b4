import { useSyncExternalStore } from 'react';

/** Below antd's md breakpoint (768 px): a phone. */
const PHONE_QUERY = '(max-width: 767.98px)';

function query(): MediaQueryList | undefined {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia(PHONE_QUERY) : undefined;
}

function subscribe(onChange: () => void): () => void {
  const q = query();
  if (!q) return () => undefined;
  q.addEventListener?.('change', onChange);
  return () => q.removeEventListener?.('change', onChange);
}

/**
 * True on a phone-sized screen: the shell swaps the side menu for a bottom navigation and the reviewer's pages
 * lay out for one column. Read synchronously from the media query, so a phone never paints the desktop layout
 * first, and a rotation or a resized window follows.
 */
export function useIsPhone(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => query()?.matches ?? false,
    () => false,
  );
}
