import { useEffect } from 'react';

/** While `dirty`, closing or reloading the tab asks first (the browser's own prompt), so unsaved edits are not lost by accident. */
export function useLeaveWarning(dirty: boolean) {
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
}
