import { useEffect } from 'react';
import { App as AntdApp, Button } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useLiveClient, useLiveEvents } from '../../../lib/live/LiveProvider';
import { alertFor, queryKeysFor, queryKeysForTopic } from '../../../lib/live/invalidate';
import { alertText } from '../lib/text';

/** Events older than this (a long replay after a reconnect) refresh the caches but raise no toast. */
const TOAST_MAX_AGE_MS = 10 * 60_000;

/**
 * The shell's live wiring: every event invalidates the caches it concerns, `resync` refetches everything, a
 * topic that became live without a replay refetches its data (a change may have slipped in before),
 * `session.ended` goes to the login page, and what now waits for the user (a task, a mention, a reminder)
 * pops up as a toast — and as a browser notification when the tab is hidden and the user allowed them.
 */
export function LiveBridge() {
  const qc = useQueryClient();
  const client = useLiveClient();
  const navigate = useNavigate();
  const { t } = useTranslation();
  const { notification } = AntdApp.useApp();

  useEffect(() => client?.onReset(() => void qc.invalidateQueries()), [client, qc]);
  useEffect(
    () =>
      client?.onSubscribed((topics) => {
        for (const topic of topics) for (const queryKey of queryKeysForTopic(topic)) void qc.invalidateQueries({ queryKey });
      }),
    [client, qc],
  );

  useLiveEvents((e) => {
    for (const queryKey of queryKeysFor(e)) void qc.invalidateQueries({ queryKey });
    if (e.type === 'session.ended') {
      qc.removeQueries();
      void navigate('/login', { replace: true });
      return;
    }
    const a = alertFor(e);
    if (!a) return;
    const at = Date.parse(e.at);
    if (!Number.isNaN(at) && Date.now() - at > TOAST_MAX_AGE_MS) return;
    const { title, body } = alertText(t, a);
    const key = `live-${e.seq}`;
    const open = a.orderId
      ? () => {
          notification.destroy(key);
          void navigate(`/orders/${a.orderId}`);
        }
      : undefined;
    notification.open({
      key,
      type: a.kind === 'notification' && a.type === 'escalation' ? 'warning' : 'info',
      title,
      description: body,
      // bottom right: the header's bell and menus stay clickable
      placement: 'bottomRight',
      duration: 8,
      props: { 'data-testid': 'live-toast', 'data-kind': a.kind === 'notification' ? a.type : a.kind } as never,
      actions: open ? (
        <Button type="primary" size="small" onClick={open} data-testid="live-toast-open">
          {t('live.openOrder')}
        </Button>
      ) : undefined,
    });
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted' && document.visibilityState !== 'visible') {
      try {
        const n = new Notification(title, { body, tag: key });
        n.onclick = () => {
          window.focus();
          open?.();
        };
      } catch {
        // some browsers only allow notifications from a service worker
      }
    }
  });
  return null;
}
