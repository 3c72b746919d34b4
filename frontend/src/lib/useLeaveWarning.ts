import { useEffect, useRef } from 'react';
import { useBlocker } from 'react-router';
import { App } from 'antd';
import { useTranslation } from 'react-i18next';

/**
 * While `dirty`, leaving asks first: closing or reloading the tab (the browser's own prompt), and
 * moving to another page inside the app (a menu item, a link, Back), which the router holds until
 * the user chooses to discard the edits or stay. The definition editors share it through useDefinitionDraft.
 */
export function useLeaveWarning(dirty: boolean) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  // only another page: a change of the query (a tab, a filter) keeps the editor and its edits
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);
  const latest = useRef(blocker);
  useEffect(() => {
    latest.current = blocker;
  });
  const blocked = blocker.state === 'blocked';
  useEffect(() => {
    if (!blocked) return;
    let settled = false;
    const ask = modal.confirm({
      title: t('leave.title'),
      content: t('leave.content'),
      okText: t('leave.discard'),
      cancelText: t('leave.stay'),
      okButtonProps: { danger: true, ...({ 'data-testid': 'leave-discard' } as Record<string, string>) },
      cancelButtonProps: { 'data-testid': 'leave-stay' } as Record<string, string>,
      onOk: () => {
        settled = true;
        latest.current.proceed?.();
      },
      onCancel: () => {
        settled = true;
        latest.current.reset?.();
      },
    });
    return () => {
      ask.destroy();
      if (!settled) latest.current.reset?.();
    };
  }, [blocked, modal, t]);
}
