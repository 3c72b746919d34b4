import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { DndContext, PointerSensor, useDraggable, useDroppable, useSensor, useSensors, type DragEndEvent } from '@dnd-kit/core';
import { useQueryClient } from '@tanstack/react-query';
import { App as AntdApp, Badge, Button, Card, Empty, Flex, Input, Result, Select, Skeleton, Space, Switch, Tag, Tooltip, Typography } from 'antd';
import { LockOutlined, MessageOutlined, TeamOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useParams, useSearchParams } from 'react-router';
import { getBoardColumn, useBoard, useDropAction, useFlowGraph, type BoardFilters } from '../api/boards';
import { approveTargets, planDrop } from '../lib/drop';
import { getOrder, getOrderHistory, orderKeys, returnTargets } from '../../orders';
import { slaOf } from '../lib/sla';
import { SlaTag, useNow } from './SlaTag';
import { CardDrawer } from './CardDrawer';
import { useMe } from '../../auth';
import { useDepartments } from '../../departments';
import { useFlows } from '../../flows';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLang } from '../../../i18n/useLang';
import { useLiveTopic } from '../../../lib/live/LiveProvider';
import { isApiError } from '../../../lib/api';
import { formatMoney } from '../../../lib/format';
import type { BoardCard, BoardColumn } from '../../../lib/types';

function CardView({
  card,
  node,
  now,
  me,
  moved,
  onOpen,
}: {
  card: BoardCard;
  node: string;
  now: number;
  me?: string;
  moved: boolean;
  onOpen: () => void;
}) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const lock = card.lock && Date.parse(card.lock.until) > now ? card.lock : undefined;
  const sla = slaOf(card.due, now);
  // a card is dragged by a pointer that moved a few pixels; a click still opens the drawer
  const { setNodeRef, listeners, attributes, transform, isDragging } = useDraggable({ id: card.order_id, data: { node } });
  return (
    <div
      ref={setNodeRef}
      {...listeners}
      {...attributes}
      style={{
        transform: transform ? `translate3d(${transform.x}px, ${transform.y}px, 0)` : undefined,
        zIndex: isDragging ? 10 : undefined,
        position: 'relative',
        opacity: isDragging ? 0.85 : 1,
      }}
      data-testid="board-card-drag"
      data-dragging={isDragging ? 'true' : 'false'}
    >
    <Card
      size="small"
      hoverable
      onClick={onOpen}
      className={moved ? 'board-card board-card-moved' : 'board-card'}
      data-testid="board-card"
      data-number={card.number}
      data-order-id={card.order_id}
      data-node={node}
      data-locked-by={lock?.by ?? ''}
      style={{ borderColor: sla?.breached ? '#ff4d4f' : lock ? '#faad14' : undefined }}
    >
      <Flex justify="space-between" align="center" gap={6}>
        <Typography.Text strong>{card.number}</Typography.Text>
        <Typography.Text>{formatMoney(card.total, lang)}</Typography.Text>
      </Flex>
      {card.customer ? (
        <Typography.Paragraph ellipsis style={{ margin: '2px 0', fontSize: 13 }}>
          {card.customer}
        </Typography.Paragraph>
      ) : null}
      <Typography.Paragraph type="secondary" ellipsis style={{ margin: '2px 0', fontSize: 12 }}>
        <TeamOutlined /> {card.assignees.length ? card.assignees.join(t('common.listSeparator')) : t('common.none')}
      </Typography.Paragraph>
      <Space size={4} wrap>
        <SlaTag due={card.due} now={now} />
        {lock ? (
          <Tooltip title={t('board.lockedUntil', { user: lock.by, time: new Date(lock.until).toLocaleTimeString(lang) })}>
            <Tag icon={<LockOutlined />} color={lock.by === me ? 'green' : 'gold'} data-testid="card-lock" data-by={lock.by}>
              {lock.by === me ? t('board.lockedByMe') : t('board.lockedBy', { user: lock.by })}
            </Tag>
          </Tooltip>
        ) : null}
        {card.comments ? (
          <Tag icon={<MessageOutlined />} data-testid="card-comments" data-count={card.comments}>
            {card.comments}
          </Tag>
        ) : null}
      </Space>
    </Card>
    </div>
  );
}

/** A column cards can be dropped on. */
function DropColumn({ node, count, children }: { node: string; count: number; children: ReactNode }) {
  const { setNodeRef, isOver } = useDroppable({ id: node });
  return (
    <div
      ref={setNodeRef}
      data-testid="board-column"
      data-node={node}
      data-count={count}
      data-over={isOver ? 'true' : 'false'}
      className="board-column"
      style={{ outline: isOver ? '2px dashed #1677ff' : undefined }}
    >
      {children}
    </div>
  );
}

/**
 * A department's board: a column per review node of the flow, a card per order at it with its SLA countdown
 * (red once breached), who handles it (soft lock) and its comments. Live: department:<key> events refetch it,
 * so cards move when anyone acts; a card that just changed column flashes.
 */
export function BoardPage() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { department } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const me = useMe();
  const departments = useDepartments();
  const flows = useFlows();
  const username = me.data?.user?.username;
  const [text, setText] = useState(params.get('q') ?? '');
  const [openId, setOpenId] = useState<number | null>(null);
  const now = useNow(1000);
  const { message } = AntdApp.useApp();
  const qc = useQueryClient();
  const dropAction = useDropAction();
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 6 } }));

  const filters: BoardFilters = useMemo(
    () => ({
      flow: params.get('flow') || undefined,
      q: params.get('q') || undefined,
      assignee: params.get('mine') === '1' && username ? username : undefined,
    }),
    [params, username],
  );
  const board = useBoard(department, filters);
  const graph = useFlowGraph(board.data?.flow);
  useLiveTopic(department ? `department:${department}` : null);

  // a column shows its first page; "load more" appends the next ones (kept until the filters change)
  // (kept under the department and filters they were loaded for, so a change drops them)
  const extraKey = JSON.stringify([department, filters]);
  const [extraState, setExtraState] = useState<{ key: string; cols: Record<string, { cards: BoardCard[]; next?: string }> }>({
    key: '',
    cols: {},
  });
  const extra = useMemo(() => (extraState.key === extraKey ? extraState.cols : {}), [extraState, extraKey]);
  const [loadingNode, setLoadingNode] = useState<string | null>(null);
  const columns = useMemo(
    () =>
      (board.data?.columns ?? []).map((col): BoardColumn => {
        const more = extra[col.node];
        if (!more) return col;
        const seen = new Set(col.cards.map((c) => c.order_id));
        return { ...col, cards: [...col.cards, ...more.cards.filter((c) => !seen.has(c.order_id))], next_cursor: more.next };
      }),
    [board.data, extra],
  );
  const loadMore = async (col: BoardColumn) => {
    if (!department || !col.next_cursor) return;
    setLoadingNode(col.node);
    try {
      const page = await getBoardColumn(department, filters, col.node, col.next_cursor);
      const got = page.columns.find((c) => c.node === col.node);
      setExtraState((x) => {
        const cols = x.key === extraKey ? x.cols : {};
        return {
          key: extraKey,
          cols: { ...cols, [col.node]: { cards: [...(cols[col.node]?.cards ?? []), ...(got?.cards ?? [])], next: got?.next_cursor } },
        };
      });
    } finally {
      setLoadingNode(null);
    }
  };

  // which column each card was in on the last render: a card whose column changed flashes once
  const lastNode = useRef(new Map<number, string>());
  const moved = useMemo(() => {
    const out = new Set<number>();
    const next = new Map<number, string>();
    for (const col of columns) {
      for (const c of col.cards) {
        next.set(c.order_id, col.node);
        // eslint-disable-next-line react-hooks/refs -- the previous board's columns, read once per new board; not shown state
        const before = lastNode.current.get(c.order_id);
        if (before && before !== col.node) out.add(c.order_id);
      }
    }
    // eslint-disable-next-line react-hooks/refs -- remembered for the next board only (see above)
    lastNode.current = next;
    return out;
  }, [columns]);

  // debounce the text filter into the URL
  useEffect(() => {
    const h = setTimeout(() => {
      if ((params.get('q') ?? '') === text) return;
      const p = new URLSearchParams(params);
      if (text) p.set('q', text);
      else p.delete('q');
      setParams(p, { replace: true });
    }, 300);
    return () => clearTimeout(h);
  }, [text, params, setParams]);

  if (!department) {
    const mine = me.data?.memberships?.[0]?.department ?? departments.data?.items?.[0]?.key;
    if (me.isPending || departments.isPending) return <Skeleton active />;
    return mine ? <Navigate to={`/boards/${encodeURIComponent(mine)}`} replace /> : <Empty description={t('board.noDepartment')} />;
  }

  const setParam = (k: string, v: string | undefined) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    setParams(p, { replace: true });
  };

  const allCards = columns.flatMap((c) => c.cards);

  // a card dropped on another column: the review action it stands for, checked as the order page checks it
  const onDragEnd = async (e: DragEndEvent) => {
    const from = e.active.data.current?.node as string | undefined;
    const to = e.over?.id as string | undefined;
    const card = allCards.find((c) => c.order_id === e.active.id);
    if (!from || !to || !card || from === to) return;
    const name = (node: string) => pick(columns.find((c) => c.node === node)?.name) || node;
    try {
      const id = String(card.order_id);
      const [order, history] = await Promise.all([
        qc.fetchQuery({ queryKey: orderKeys.detail(id), queryFn: () => getOrder(id), staleTime: 0 }),
        qc.fetchQuery({ queryKey: orderKeys.history(id), queryFn: () => getOrderHistory(id), staleTime: 0 }),
      ]);
      const reviews = new Set((graph.data?.nodes ?? []).filter((n) => n.type === 'review').map((n) => n.id));
      const lock = card.lock && Date.parse(card.lock.until) > now ? card.lock : undefined;
      const plan = planDrop({
        from,
        to,
        me: username,
        lockedBy: lock?.by,
        tasks: order.tasks ?? [],
        forward: approveTargets(from, graph.data?.edges ?? [], reviews),
        back: returnTargets(history.items ?? [], from),
      });
      if (plan.kind === 'none') return;
      if (plan.kind === 'refuse') {
        message.error({ content: <span data-testid="drop-refused" data-reason={plan.reason}>{t(`board.drop.${plan.reason}`, { from: name(from), to: name(to), user: plan.user })}</span> });
        return;
      }
      await dropAction.mutateAsync({
        orderId: card.order_id,
        task: plan.task,
        body: plan.kind === 'approve' ? { action: 'approve' } : { action: 'return', node: plan.node },
      });
      message.success({
        content: (
          <span data-testid="drop-done" data-action={plan.kind}>
            {t(plan.kind === 'approve' ? 'board.drop.approved' : 'board.drop.returned', { number: card.number, from: name(from), to: name(to) })}
          </span>
        ),
      });
    } catch (err) {
      message.error({ content: <span data-testid="drop-failed">{isApiError(err) ? err.detail || err.title : t('board.drop.failed')}</span> });
    }
  };
  const openCard = allCards.find((c) => c.order_id === openId);
  const openNode = columns.find((c) => c.cards.some((x) => x.order_id === openId));

  let body;
  if (board.isError) {
    body =
      isApiError(board.error) && board.error.status === 403 ? (
        <Result status="403" title="403" subTitle={t('board.forbidden')} />
      ) : (
        <ErrorAlert error={board.error} onRetry={() => void board.refetch()} />
      );
  } else if (board.isPending) {
    body = <Skeleton active />;
  } else {
    body = (
      <DndContext sensors={sensors} onDragEnd={(e) => void onDragEnd(e)}>
      <div className="board-scroll" data-testid="board-scroll">
        <Flex gap={12} align="start" data-testid="board" data-department={department} data-flow={board.data.flow}>
          {columns.map((col) => (
            <DropColumn key={col.node} node={col.node} count={col.cards.length}>
              <Flex justify="space-between" align="center" style={{ marginBottom: 8, paddingInline: 4 }}>
                <Typography.Text strong>{pick(col.name) || col.node}</Typography.Text>
                <Badge
                  count={col.count ?? col.cards.length}
                  overflowCount={999_999}
                  showZero
                  color={col.cards.length ? '#1677ff' : '#bfbfbf'}
                  data-testid="board-column-count"
                />
              </Flex>
              <Flex vertical gap={8}>
                {col.cards.map((card) => (
                  <CardView
                    key={card.order_id}
                    card={card}
                    node={col.node}
                    now={now}
                    me={username}
                    moved={moved.has(card.order_id)}
                    onOpen={() => setOpenId(card.order_id)}
                  />
                ))}
                {!col.cards.length ? (
                  <Typography.Text type="secondary" style={{ textAlign: 'center', padding: 12, fontSize: 12 }}>
                    {t('board.emptyColumn')}
                  </Typography.Text>
                ) : null}
                {col.next_cursor ? (
                  <Button
                    size="small"
                    type="link"
                    loading={loadingNode === col.node}
                    onClick={() => void loadMore(col)}
                    data-testid="board-column-more"
                  >
                    {t('common.loadMore')}
                  </Button>
                ) : null}
              </Flex>
            </DropColumn>
          ))}
        </Flex>
      </div>
      </DndContext>
    );
  }

  return (
    <Card>
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">
          {t('board.title')}
        </Typography.Title>
        <Space wrap>
          <Select
            style={{ minWidth: 160 }}
            value={department}
            onChange={(d) => navigate({ pathname: `/boards/${encodeURIComponent(d)}`, search: params.toString() })}
            options={(departments.data?.items ?? []).map((d) => ({
              value: d.key,
              label: <span data-testid={`board-department-${d.key}`}>{pick(d.name) || d.key}</span>,
            }))}
            data-testid="board-department"
            aria-label={t('board.department')}
          />
          <Select
            style={{ minWidth: 180 }}
            value={filters.flow ?? board.data?.flow}
            onChange={(f) => setParam('flow', f)}
            options={(flows.data?.items ?? []).map((f) => ({ value: f.key, label: pick(f.name) || f.key }))}
            data-testid="board-flow"
            aria-label={t('board.flow')}
          />
          <Input.Search
            allowClear
            style={{ width: 220 }}
            placeholder={t('board.search')}
            value={text}
            onChange={(e) => setText(e.target.value)}
            data-testid="board-search"
          />
          <Space size={6}>
            <Switch size="small" checked={params.get('mine') === '1'} onChange={(v) => setParam('mine', v ? '1' : undefined)} data-testid="board-mine" />
            <Typography.Text>{t('board.onlyMine')}</Typography.Text>
          </Space>
        </Space>
      </Flex>
      {body}
      <CardDrawer
        card={openCard}
        node={openNode?.node}
        nodeName={openNode ? pick(openNode.name) || openNode.node : ''}
        allCards={allCards}
        me={username}
        now={now}
        onClose={() => setOpenId(null)}
      />
    </Card>
  );
}
