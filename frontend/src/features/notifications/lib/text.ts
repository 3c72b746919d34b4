import type { TFunction } from 'i18next';
import type { Alert } from '../../../lib/live/invalidate';
import type { NotificationItem } from '../../../lib/types';

export interface AlertText {
  title: string;
  body: string;
}

/** The localized words of a notification (the server's title is the fallback for types the UI does not know). */
export function notificationText(t: TFunction, n: Pick<NotificationItem, 'type' | 'title' | 'data'>): AlertText {
  const d = n.data ?? {};
  const number = typeof d.number === 'string' ? d.number : '';
  switch (n.type) {
    case 'mention':
      return {
        title: t('live.mentionTitle'),
        body: t('live.mentionBody', { author: String(d.author ?? ''), number, body: String(d.body ?? '') }),
      };
    case 'reminder':
      return { title: t('live.reminderTitle'), body: number ? t('live.reminderBody', { number }) : n.title };
    case 'escalation':
      return { title: t('live.escalationTitle'), body: number ? t('live.escalationBody', { number }) : n.title };
    default:
      return { title: t('live.notificationTitle'), body: n.title };
  }
}

export function alertText(t: TFunction, a: Alert): AlertText {
  switch (a.kind) {
    case 'assigned':
      return { title: t('live.assignedTitle'), body: t('live.assignedBody', { number: a.number }) };
    case 'reopened':
      return { title: t('live.reopenedTitle'), body: t('live.reopenedBody', { number: a.number }) };
    case 'cc':
      return { title: t('live.ccTitle'), body: t('live.ccBody', { number: a.number }) };
    case 'urged':
      return { title: t('live.urgedTitle'), body: t('live.urgedBody', { number: a.number, by: a.by }) };
    case 'notification':
      return notificationText(t, { type: a.type, title: a.title, data: a.data });
  }
}
