import { useMemo, useState } from 'react';
import { Alert, App, Button, Descriptions, Drawer, Flex, Form, Input, Popconfirm, Segmented, Select, Skeleton, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useOrder } from '../orders';
import { useFlowForm } from '../flows';
import { useUsers } from '../users';
import { OrderForm } from '../orders';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useLang } from '../../i18n/useLang';
import { isApiError, pointersToErrorSchema } from '../../lib/api';
import { computedFields } from '../../lib/rjsf';
import { formatDateTime } from '../../lib/format';
import { useResolveException, type OrderException, type ResolveAction } from './api';
import { changedFields, reasonColor, splitResolveErrors } from './lib';
import { DeadlineCountdown } from './DeadlineCountdown';

interface Props {
  exception: OrderException;
  open: boolean;
  onClose: () => void;
  /** Whether the user list can be read (admins) for the approver picker. */
  canListUsers?: boolean;
}

/** Resolves one exception: retry (optionally fixing order fields), override (with a note), or cancel the order. */
export function ResolveDrawer({ exception: ex, open, onClose, canListUsers }: Props) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [action, setAction] = useState<ResolveAction>('retry');
  const [note, setNote] = useState('');
  const [user, setUser] = useState<string | undefined>();
  const [edited, setEdited] = useState<Record<string, unknown> | null>(null);
  const order = useOrder(open ? String(ex.order_id) : undefined);
  const form = useFlowForm(order.data?.flow, order.data?.version);
  const users = useUsers(open && !!canListUsers && ex.reason === 'no_approver');
  const resolve = useResolveException(ex.id);

  const computed = useMemo(() => computedFields(form.data?.form?.computed), [form.data]);
  const original = order.data?.data ?? {};
  const changes = edited ? changedFields(original, edited, computed) : {};
  const nChanged = Object.keys(changes).length;

  const err = resolve.error;
  const split = isApiError(err) ? splitResolveErrors(err.fieldErrors) : { data: [], fields: {} as Record<string, string>, other: [] };
  const extraErrors = split.data.length ? pointersToErrorSchema(split.data) : undefined;
  const noteRequired = action === 'override';
  const needsUser = action === 'override' && ex.reason === 'no_approver';

  const submit = () => {
    const body: { action: ResolveAction; note?: string; data?: Record<string, unknown>; user?: string } = { action };
    if (note.trim()) body.note = note.trim();
    if (action === 'retry' && nChanged) body.data = changes;
    if (needsUser && user) body.user = user;
    resolve.mutate(body, {
      onSuccess: () => {
        void message.success(t('ops.exceptions.resolved'));
        onClose();
      },
    });
  };

  const userOptions = [...new Set([...(users.data?.items ?? []).filter((u) => !u.disabled).map((u) => u.username), ...ex.owners])].map((u) => ({ value: u, label: u }));
  const disabled = !ex.can_resolve || ex.status !== 'open';
  const submitDisabled = disabled || (noteRequired && !note.trim()) || (needsUser && !user);

  return (
    <Drawer
      open={open}
      onClose={onClose}
      size="large"
      destroyOnHidden
      title={t('ops.exceptions.resolveTitle', { number: ex.order_number ?? ex.order_id })}
      data-testid="resolve-drawer"
      footer={
        ex.status === 'open' ? (
          <Space>
            {action === 'cancel' ? (
              <Popconfirm title={t('ops.exceptions.cancelConfirm')} onConfirm={submit} okButtonProps={{ danger: true, 'data-testid': 'resolve-cancel-confirm' }}>
                <Button danger loading={resolve.isPending} disabled={submitDisabled} data-testid="resolve-submit">
                  {t('ops.exceptions.action.cancel')}
                </Button>
              </Popconfirm>
            ) : (
              <Button type="primary" loading={resolve.isPending} disabled={submitDisabled} onClick={submit} data-testid="resolve-submit">
                {t(`ops.exceptions.action.${action}`)}
              </Button>
            )}
            <Button onClick={onClose}>{t('common.cancel')}</Button>
          </Space>
        ) : null
      }
      extra={
        <Link to={`/orders/${ex.order_id}`} data-testid="resolve-open-order">
          {t('ops.exceptions.openOrder')}
        </Link>
      }
    >
      <Descriptions size="small" column={1} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t('ops.exceptions.reason')}>
          <Tag color={reasonColor(ex.reason)}>{t(`ops.reason.${ex.reason}`, { defaultValue: ex.reason })}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('ops.exceptions.node')}>{pick(ex.node_name) || ex.node}</Descriptions.Item>
        <Descriptions.Item label={t('ops.exceptions.message')}>
          <span data-testid="resolve-message">{ex.message}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('ops.exceptions.owners')}>{ex.owners.join(t('common.listSeparator')) || '—'}</Descriptions.Item>
        <Descriptions.Item label={t('ops.exceptions.deadline')}>
          <DeadlineCountdown deadline={ex.deadline} overdue={ex.overdue} />
        </Descriptions.Item>
        {ex.status === 'resolved' ? (
          <Descriptions.Item label={t('ops.exceptions.resolution')}>
            {t(`ops.exceptions.action.${ex.resolution}`, { defaultValue: ex.resolution })} · {ex.resolved_by} · {formatDateTime(ex.resolved_at)}
            {ex.note ? ` · ${ex.note}` : ''}
          </Descriptions.Item>
        ) : null}
      </Descriptions>
      {!ex.can_resolve && ex.status === 'open' ? <Alert type="info" showIcon title={t('ops.exceptions.cannotResolve')} style={{ marginBottom: 12 }} /> : null}
      {ex.status === 'open' ? (
        <Flex vertical gap={12}>
          <Segmented<ResolveAction>
            value={action}
            onChange={(v) => {
              setAction(v);
              resolve.reset();
            }}
            disabled={disabled}
            data-testid="resolve-action"
            options={(['retry', 'override', 'cancel'] as ResolveAction[]).map((a) => ({
              value: a,
              label: <span data-testid={`resolve-action-${a}`}>{t(`ops.exceptions.action.${a}`)}</span>,
            }))}
          />
          <Typography.Text type="secondary">{t(`ops.exceptions.actionHelp.${action}`)}</Typography.Text>
          {err && (!isApiError(err) || split.other.length || (!split.data.length && !Object.keys(split.fields).length)) ? (
            <ErrorAlert error={err} />
          ) : null}
          {split.data.length ? <Alert type="error" showIcon title={t('ops.exceptions.fixFields')} data-testid="resolve-data-errors" /> : null}
          {action === 'retry' ? (
            order.isPending || form.isPending ? (
              <Skeleton active />
            ) : form.data?.form && order.data ? (
              <div data-testid="resolve-form">
                <Typography.Text type="secondary" data-testid="resolve-changed" data-count={nChanged}>
                  {t('ops.exceptions.changedCount', { count: nChanged })}
                </Typography.Text>
                <OrderForm
                  form={form.data.form}
                  formData={edited ?? original}
                  onChange={setEdited}
                  onSubmit={submit}
                  disabled={disabled || resolve.isPending}
                  extraErrors={extraErrors}
                >
                  <></>
                </OrderForm>
              </div>
            ) : null
          ) : null}
          {needsUser ? (
            <Form.Item label={t('ops.exceptions.giveTo')} required validateStatus={split.fields.user ? 'error' : undefined} help={split.fields.user} style={{ margin: 0 }}>
              <Select
                showSearch
                allowClear
                value={user}
                onChange={setUser}
                options={userOptions}
                placeholder={t('ops.exceptions.pickUser')}
                data-testid="resolve-user"
                onSearch={(s) => s && setUser(s.trim())}
              />
            </Form.Item>
          ) : null}
          <Form.Item
            label={t('ops.exceptions.note')}
            required={noteRequired}
            validateStatus={split.fields.note ? 'error' : undefined}
            help={split.fields.note}
            style={{ margin: 0 }}
          >
            <Input.TextArea rows={3} value={note} onChange={(e) => setNote(e.target.value)} disabled={disabled} data-testid="resolve-note" />
          </Form.Item>
        </Flex>
      ) : null}
    </Drawer>
  );
}
