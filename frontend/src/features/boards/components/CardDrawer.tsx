import { useState } from 'react';
import { App as AntdApp, Alert, Button, Descriptions, Drawer, Empty, Flex, List, Mentions, Space, Typography } from 'antd';
import { LockOutlined, UnlockOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useAddComment, useComments, useLockOrder } from '../api/boards';
import { mentionCandidates } from '../lib/sla';
import { SlaTag } from './SlaTag';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLiveTopic } from '../../../lib/live/LiveProvider';
import { isApiError } from '../../../lib/api';
import { formatDateTime, formatMoney } from '../../../lib/format';
import { useLang } from '../../../i18n/useLang';
import type { BoardCard } from '../../../lib/types';

/** Highlights @names in a comment body. */
function CommentBody({ body, mentions }: { body: string; mentions: string[] }) {
  const parts = body.split(/(@[A-Za-z0-9._-]+)/g);
  return (
    <Typography.Paragraph style={{ margin: 0, whiteSpace: 'pre-wrap' }}>
      {parts.map((p, i) =>
        p.startsWith('@') && mentions.includes(p.slice(1).toLowerCase().replace(/[.\-_]+$/, '')) ? (
          <Typography.Text key={i} strong style={{ color: '#1677ff' }}>
            {p}
          </Typography.Text>
        ) : (
          p
        ),
      )}
    </Typography.Paragraph>
  );
}

function Comments({ orderId, candidates }: { orderId: number; candidates: string[] }) {
  const { t } = useTranslation();
  const comments = useComments(orderId);
  const add = useAddComment(orderId);
  const [text, setText] = useState('');
  const submit = () => {
    if (!text.trim()) return;
    add.mutate(text, { onSuccess: () => setText('') });
  };
  return (
    <Flex vertical gap={8}>
      <Typography.Title level={5} style={{ margin: 0 }}>
        {t('board.comments')}
      </Typography.Title>
      {comments.isError ? <ErrorAlert error={comments.error} onRetry={() => void comments.refetch()} /> : null}
      {comments.data?.items?.length ? (
        <List
          size="small"
          dataSource={comments.data.items}
          renderItem={(c) => (
            <List.Item key={c.id} data-testid="comment-item" data-author={c.author} style={{ paddingInline: 0 }}>
              <Flex vertical gap={2} style={{ width: '100%' }}>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {c.author} · {formatDateTime(c.created_at)}
                  {c.mentions.length ? ` · ${t('board.notified', { users: c.mentions.join(t('common.listSeparator')) })}` : ''}
                </Typography.Text>
                <CommentBody body={c.body} mentions={c.mentions} />
              </Flex>
            </List.Item>
          )}
        />
      ) : comments.isSuccess ? (
        <Typography.Text type="secondary">{t('board.noComments')}</Typography.Text>
      ) : null}
      <Mentions
        rows={3}
        value={text}
        onChange={setText}
        placeholder={t('board.commentPlaceholder')}
        options={candidates.map((u) => ({ value: u, label: u }))}
        data-testid="comment-input"
        maxLength={2000}
      />
      {add.isError ? <ErrorAlert error={add.error} /> : null}
      <Flex justify="flex-end">
        <Button type="primary" onClick={submit} loading={add.isPending} disabled={!text.trim()} data-testid="comment-submit">
          {t('board.addComment')}
        </Button>
      </Flex>
    </Flex>
  );
}

/** A card's details: claim / release its soft lock, open the order, and its comments with @mentions. */
export function CardDrawer({
  card,
  node,
  nodeName,
  allCards,
  me,
  now,
  onClose,
}: {
  card: BoardCard | undefined;
  node?: string;
  nodeName: string;
  allCards: BoardCard[];
  me?: string;
  now: number;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const { message } = AntdApp.useApp();
  const lockMut = useLockOrder();
  useLiveTopic(card ? `order:${card.order_id}` : null);

  const lock = card?.lock && Date.parse(card.lock.until) > now ? card.lock : undefined;
  const mine = !!lock && lock.by === me;
  const lockError = lockMut.error && isApiError(lockMut.error) && lockMut.error.status === 409 ? lockMut.error : null;

  const claim = (release: boolean) => {
    if (!card) return;
    lockMut.mutate(
      { orderId: card.order_id, release },
      { onSuccess: () => void message.success(release ? t('board.released') : t('board.claimed')) },
    );
  };

  return (
    <Drawer
      open={!!card}
      onClose={onClose}
      size={460}
      title={card ? t('board.cardTitle', { number: card.number }) : ''}
      data-testid="card-drawer"
      destroyOnHidden
      extra={
        card ? (
          <Link to={`/orders/${card.order_id}`} data-testid="card-open-order">
            <Button type="primary">{t('board.openOrder')}</Button>
          </Link>
        ) : null
      }
    >
      {card ? (
        <Flex vertical gap={16}>
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t('board.node')}>
              <span data-testid="card-drawer-node" data-node={node}>
                {nodeName}
              </span>
            </Descriptions.Item>
            {card.customer ? <Descriptions.Item label={t('board.customer')}>{card.customer}</Descriptions.Item> : null}
            <Descriptions.Item label={t('orders.total')}>{formatMoney(card.total, lang)}</Descriptions.Item>
            <Descriptions.Item label={t('orders.submitter')}>{card.submitter}</Descriptions.Item>
            <Descriptions.Item label={t('detail.assignees')}>{card.assignees.join(t('common.listSeparator')) || t('common.none')}</Descriptions.Item>
            <Descriptions.Item label={t('board.since')}>{formatDateTime(card.since)}</Descriptions.Item>
            <Descriptions.Item label={t('board.sla')}>
              {card.due ? (
                <Space>
                  <SlaTag due={card.due} now={now} />
                  <Typography.Text type="secondary">{formatDateTime(card.due)}</Typography.Text>
                </Space>
              ) : (
                t('board.noSla')
              )}
            </Descriptions.Item>
          </Descriptions>

          <Flex vertical gap={8}>
            {lock ? (
              <Alert
                type={mine ? 'success' : 'warning'}
                showIcon
                icon={<LockOutlined />}
                data-testid="card-lock-info"
                data-by={lock.by}
                title={
                  mine
                    ? t('board.youHandle', { time: new Date(lock.until).toLocaleTimeString(lang) })
                    : t('board.lockedUntil', { user: lock.by, time: new Date(lock.until).toLocaleTimeString(lang) })
                }
              />
            ) : (
              <Typography.Text type="secondary">{t('board.unlockedHint')}</Typography.Text>
            )}
            {lockError ? <Alert type="error" showIcon title={lockError.detail} data-testid="card-lock-error" /> : null}
            <Space>
              <Button
                icon={<LockOutlined />}
                onClick={() => claim(false)}
                loading={lockMut.isPending && !lockMut.variables?.release}
                disabled={!!lock && !mine}
                data-testid="card-claim"
              >
                {mine ? t('board.extend') : t('board.claim')}
              </Button>
              {mine ? (
                <Button icon={<UnlockOutlined />} onClick={() => claim(true)} loading={lockMut.isPending && !!lockMut.variables?.release} data-testid="card-release">
                  {t('board.release')}
                </Button>
              ) : null}
            </Space>
          </Flex>

          <Comments orderId={card.order_id} candidates={mentionCandidates(allCards, card, me)} />
        </Flex>
      ) : (
        <Empty />
      )}
    </Drawer>
  );
}
