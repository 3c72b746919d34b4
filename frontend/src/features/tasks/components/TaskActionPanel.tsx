import { useState, type ReactNode } from 'react';
import { Alert, App, Button, Card, Checkbox, Flex, Form, Input, Radio, Select, Space, Switch, Tag, Typography } from 'antd';
import {
  CheckOutlined,
  CloseOutlined,
  MessageOutlined,
  RollbackOutlined,
  SendOutlined,
  SwapOutlined,
  UserAddOutlined,
} from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useActOnTask } from '../api/actOnTask';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLang } from '../../../i18n/useLang';
import { isApiError, taskChangedReason, type TaskChangedReason } from '../../../lib/api';
import { isLocalizedObject, type LocalizedText } from '../../../i18n/pickText';
import type { ChecklistItem, Order, ReviewAction, Task } from '../../../lib/types';
import { actionsFor, buildActionBody, checklistComplete, errorTarget, USERNAME_PATTERN, type ActionFormValues } from '../lib/actions';
import { UserPicker } from './UserPicker';
import { FieldEditor } from './FieldEditor';
import { useFlowForm } from '../../flows';
import { changedFields } from '../lib/editable';
import { useIsPhone } from '../../../lib/usePhone';

function checklistText(item: ChecklistItem, pick: (t: LocalizedText) => string): string {
  if (typeof item === 'string') return item;
  if (isLocalizedObject(item)) return pick(item);
  const obj = item as { text?: LocalizedText; label?: LocalizedText; key?: string };
  return pick(obj.text ?? obj.label) || obj.key || '';
}

type ReasonOption = string | { code?: string; key?: string; label?: unknown; name?: unknown; text?: unknown };

const ICONS: Record<ReviewAction, ReactNode> = {
  approve: <CheckOutlined />,
  reject: <CloseOutlined />,
  return: <RollbackOutlined />,
  comment: <MessageOutlined />,
  transfer: <SwapOutlined />,
  delegate: <SendOutlined />,
  add_signer: <UserAddOutlined />,
};

export interface ReturnTarget {
  node: string;
  name: string;
}

interface Props {
  task: Task;
  orderId: string;
  /** Earlier review nodes the order may go back to, oldest first; the last is the default. Undefined: not known yet. */
  returnTargets?: ReturnTarget[];
  /** Admins pick users from GET /users; everyone else types a username. */
  canListUsers?: boolean;
  /** The signed-in user (left out of the user picker). */
  username?: string;
  /** The order (its data and form): needed to edit the fields the task lists in `editable`. */
  order?: Order;
  /**
   * A 409: the task changed meanwhile (decided, cancelled, moved by a version migration). The order is reloaded
   * and this panel usually goes with the task, so the page keeps the notice; `detail` is the server's words,
   * `reason` its machine reason (decided, cancelled, moved) when the server gives one.
   */
  onConflict?: (detail: string | undefined, reason?: TaskChangedReason) => void;
}

/** Acts on one task the current user may decide: approve (checklist), reject, return, comment, transfer, delegate, add a signer. */
export function TaskActionPanel({ task, orderId, returnTargets, canListUsers = false, username, order, onConflict }: Props) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const act = useActOnTask(orderId);
  // a phone: large touch targets (the choices, the checklist, a full-width submit)
  const phone = useIsPhone();
  const [form] = Form.useForm<ActionFormValues>();
  const action: ReviewAction = Form.useWatch('action', form) ?? 'approve';
  const [ticks, setTicks] = useState<Record<number, boolean>>({});
  const [checklistErrors, setChecklistErrors] = useState<{ items: number[]; all: boolean }>({ items: [], all: false });
  const editable = task.editable ?? [];
  const [editing, setEditing] = useState(false);
  const [edits, setEdits] = useState<Record<string, unknown>>({});
  // the editable fields by their titles in the order's form (loaded for the data view anyway)
  const orderForm = useFlowForm(order && editable.length ? order.flow : undefined, order?.version);
  const fieldTitle = (k: string) => {
    const p = (orderForm.data?.form?.schema?.properties as Record<string, { title?: LocalizedText }> | undefined)?.[k];
    return (p?.title && pick(p.title)) || k;
  };

  const checklist = task.checklist ?? [];
  const complete = checklistComplete(ticks, checklist.length);
  const tickedCount = checklist.filter((_, i) => ticks[i]).length;
  const actions = actionsFor(task, { canReturn: returnTargets === undefined || returnTargets.length > 0 });
  const reasons = ((task.reasons ?? []) as ReasonOption[]).map((r) => {
    if (typeof r === 'string') return { value: r, label: t(`reasons.${r}`, { defaultValue: r }) };
    const value = String(r.code ?? r.key ?? '');
    const label = pick((r.label ?? r.name ?? r.text) as never) || t(`reasons.${value}`, { defaultValue: value });
    return { value, label };
  });
  const nodeName = pick(task.node_name) || task.node;
  const previous = returnTargets?.length ? returnTargets[returnTargets.length - 1] : undefined;
  const blockedByChecklist = action === 'approve' && !complete;

  const onFinish = (v: ActionFormValues) => {
    if (v.action === 'approve' && !complete) return;
    const body = buildActionBody(v, { ticks, checklistCount: checklist.length });
    if (editing && order && (v.action === 'approve' || v.action === 'comment')) {
      const fields = changedFields(order.data, edits, editable);
      if (fields) body.fields = fields;
    }
    setChecklistErrors({ items: [], all: false });
    act.mutate(
      { taskId: task.id, body },
      {
        onSuccess: () => {
          message.success(t('action.done', { action: t(`action.${v.action}`) }));
          form.resetFields();
          setTicks({});
          setEditing(false);
        },
        onError: (e) => {
          // the order is reloaded after an error and this panel may disappear with the task: say why in a toast too
          if (isApiError(e) && e.status === 409) {
            const why = taskChangedReason(e);
            message.warning(t(why ? `action.taskChanged.${why}` : 'action.conflict'));
            onConflict?.(e.detail, why);
          } else if (isApiError(e) && e.status === 403) message.warning(t('action.forbidden'));
          if (!isApiError(e) || e.status !== 422) return;
          // put each field error next to its field (or checklist item)
          const items: number[] = [];
          let all = false;
          const fields: { name: keyof ActionFormValues; errors: string[] }[] = [];
          for (const fe of e.fieldErrors) {
            const target = errorTarget(fe.pointer);
            if (!target) continue;
            if ('checklist' in target) {
              if (target.checklist === 'all') all = true;
              else items.push(target.checklist);
            } else {
              fields.push({ name: target.field, errors: [fe.message] });
            }
          }
          setChecklistErrors({ items, all });
          if (fields.length) form.setFields(fields);
        },
      },
    );
  };

  const conflict = isApiError(act.error) && act.error.status === 409;
  // the machine reason of the 409 (the server's type and reason, never its words) picks what to say
  const changedReason = conflict ? taskChangedReason(act.error) : undefined;
  const forbidden = isApiError(act.error) && act.error.status === 403;
  const kind = task.kind && task.kind !== 'review' ? task.kind : undefined;

  return (
    <Card
      size="small"
      type="inner"
      title={
        <Space wrap>
          <span>{t('action.panelTitle', { node: nodeName })}</span>
          {kind ? (
            <Tag color="purple" data-testid="task-kind" data-kind={kind}>
              {t(`taskKind.${kind}`, { defaultValue: kind })}
            </Tag>
          ) : null}
        </Space>
      }
      data-testid="task-action-panel"
      data-task-id={String(task.id)}
      data-node={task.node}
      data-kind={task.kind ?? 'review'}
      style={{ marginBottom: 16, borderColor: '#91caff' }}
    >
      {task.kind === 'delegate' ? (
        <Alert type="info" showIcon title={t('action.delegateNote')} style={{ marginBottom: 12 }} data-testid="task-kind-note" />
      ) : task.kind === 'before' ? (
        <Alert type="info" showIcon title={t('action.beforeNote')} style={{ marginBottom: 12 }} data-testid="task-kind-note" />
      ) : null}
      {task.comment ? (
        <Alert
          type="success"
          showIcon
          title={t('common.labelled', { label: t('detail.taskComment'), value: task.comment })}
          style={{ marginBottom: 12 }}
          data-testid="task-comment"
        />
      ) : null}

      {checklist.length ? (
        <div style={{ marginBottom: 12 }} data-testid="checklist">
          <Flex justify="space-between" wrap>
            <Typography.Text strong>{t('action.checklist')}</Typography.Text>
            <Typography.Text type={complete ? 'success' : 'secondary'} data-testid="checklist-progress">
              {t('action.checklistProgress', { done: tickedCount, total: checklist.length })}
            </Typography.Text>
          </Flex>
          <Flex vertical gap={4} style={{ marginTop: 4 }}>
            {checklist.map((item: ChecklistItem, i) => {
              const bad = checklistErrors.items.includes(i) || (checklistErrors.all && !ticks[i]);
              return (
                <div
                  key={i}
                  data-testid="checklist-item"
                  data-index={i}
                  data-checked={ticks[i] ? 'true' : 'false'}
                  style={phone ? { minHeight: 40, display: 'flex', flexDirection: 'column', justifyContent: 'center' } : undefined}
                >
                  <Checkbox
                    checked={!!ticks[i]}
                    disabled={act.isPending}
                    onChange={(e) => {
                      setTicks((c) => ({ ...c, [i]: e.target.checked }));
                      setChecklistErrors((ce) => ({ ...ce, items: ce.items.filter((x) => x !== i) }));
                    }}
                  >
                    <span style={bad ? { color: '#ff4d4f' } : undefined}>{checklistText(item, pick)}</span>
                  </Checkbox>
                  {bad ? (
                    <Typography.Text type="danger" style={{ fontSize: 12, marginInlineStart: 24, display: 'block' }}>
                      {t('action.checklistItemError')}
                    </Typography.Text>
                  ) : null}
                </div>
              );
            })}
          </Flex>
        </div>
      ) : null}

      {order && editable.length && (action === 'approve' || action === 'comment') ? (
        <div style={{ marginBottom: 12 }}>
          <Space size={8} style={{ marginBottom: editing ? 8 : 0 }}>
            <Switch
              size="small"
              checked={editing}
              disabled={act.isPending}
              onChange={(on) => {
                setEditing(on);
                if (on) setEdits(Object.fromEntries(editable.map((k) => [k, order.data[k]])));
              }}
              data-testid="action-edit-toggle"
            />
            <Typography.Text>{t('action.editFields', { fields: editable.map(fieldTitle).join(t('common.listSeparator')) })}</Typography.Text>
          </Space>
          {editing ? (
            <FieldEditor
              order={order}
              names={editable}
              value={edits}
              onChange={setEdits}
              errors={isApiError(act.error) ? act.error.fieldErrors : []}
              disabled={act.isPending}
            />
          ) : null}
        </div>
      ) : null}

      {/* 409 "it changed" and 403 "you may not" are no faults: said in the user's words, the server's reason below */}
      {conflict || forbidden ? (
        <Alert
          type="warning"
          showIcon
          title={t(changedReason ? `action.taskChanged.${changedReason}` : conflict ? 'action.conflict' : 'action.forbidden')}
          description={isApiError(act.error) && act.error.detail ? <Typography.Text type="secondary">{act.error.detail}</Typography.Text> : undefined}
          style={{ marginBottom: 12 }}
          data-testid={conflict ? 'action-conflict' : 'action-forbidden'}
        />
      ) : act.isError ? (
        <ErrorAlert error={act.error} style={{ marginBottom: 12 }} />
      ) : null}

      <Form<ActionFormValues>
        form={form}
        layout="vertical"
        initialValues={{ action: 'approve', position: 'after' }}
        onFinish={onFinish}
        disabled={act.isPending}
      >
        <Form.Item name="action" label={t('action.chooseAction')}>
          <Radio.Group buttonStyle="solid" size={phone ? 'large' : undefined} style={{ display: 'flex', flexWrap: 'wrap', rowGap: 8 }}>
            {actions.map((a) => (
              <Radio.Button key={a} value={a}>
                <span data-testid={`action-${a}`}>
                  {ICONS[a]} {t(`action.${a}`)}
                </span>
              </Radio.Button>
            ))}
          </Radio.Group>
        </Form.Item>

        {action !== 'approve' && action !== 'comment' && action !== 'reject' ? (
          <Typography.Paragraph type="secondary" style={{ marginTop: -12 }} data-testid="action-help">
            {t(`action.help.${action}`)}
          </Typography.Paragraph>
        ) : null}

        {action === 'return' ? (
          <Form.Item name="node" label={t('action.returnNodeLabel')}>
            <Select
              allowClear
              placeholder={previous ? t('action.returnNodeDefault', { node: previous.name }) : t('action.returnNodeDefaultUnknown')}
              options={[...(returnTargets ?? [])].reverse().map((r, i) => ({
                value: r.node,
                label: i === 0 ? t('action.returnNodePrevious', { node: r.name }) : r.name,
              }))}
              data-testid="action-return-node"
            />
          </Form.Item>
        ) : null}

        {action === 'reject' || action === 'return' ? (
          <Form.Item
            name="reason"
            label={t(action === 'reject' ? 'action.reasonLabel' : 'action.returnReasonLabel')}
            rules={action === 'reject' ? [{ required: true, whitespace: true, message: t('action.reasonRequired') }] : []}
          >
            {reasons.length ? (
              <Select
                allowClear={action === 'return'}
                placeholder={t(action === 'reject' ? 'action.reasonPlaceholder' : 'action.returnReasonPlaceholder')}
                options={reasons}
                data-testid="action-reason-select"
              />
            ) : (
              <Input
                placeholder={t(action === 'reject' ? 'action.reasonTextPlaceholder' : 'action.returnReasonTextPlaceholder')}
                maxLength={500}
                data-testid="action-reason-input"
              />
            )}
          </Form.Item>
        ) : null}

        {action === 'transfer' || action === 'delegate' || action === 'add_signer' ? (
          <Form.Item
            name="user"
            label={t('action.userLabel')}
            rules={[
              { required: true, whitespace: true, message: t('action.userRequired') },
              { pattern: USERNAME_PATTERN, message: t('action.userInvalid') },
            ]}
          >
            <UserPicker canList={canListUsers} exclude={username ? [username] : []} />
          </Form.Item>
        ) : null}

        {action === 'add_signer' ? (
          task.mode === 'ratio' ? (
            <Typography.Paragraph type="secondary" data-testid="ratio-signer-note">
              {t('action.ratioSignerNote')}
            </Typography.Paragraph>
          ) : (
            <Form.Item name="position" label={t('action.positionLabel')}>
              <Radio.Group>
                <Radio value="before">
                  <span data-testid="action-position-before">{t('action.positionBefore')}</span>
                </Radio>
                <Radio value="after">
                  <span data-testid="action-position-after">{t('action.positionAfter')}</span>
                </Radio>
              </Radio.Group>
            </Form.Item>
          )
        ) : null}

        <Form.Item
          name="comment"
          label={t('action.commentLabel')}
          rules={action === 'comment' ? [{ required: true, whitespace: true, message: t('action.commentRequired') }] : []}
        >
          <Input.TextArea rows={phone ? 2 : 3} maxLength={2000} placeholder={t('action.commentPlaceholder')} data-testid="action-comment-input" />
        </Form.Item>

        <Space wrap style={phone ? { display: 'flex' } : undefined} className={phone ? 'phone-submit' : undefined}>
          <Button
            type="primary"
            size={phone ? 'large' : undefined}
            block={phone}
            danger={action === 'reject'}
            htmlType="submit"
            loading={act.isPending}
            disabled={blockedByChecklist}
            data-testid="action-submit"
          >
            {t('action.submitAction', { action: t(`action.${action}`) })}
          </Button>
          {blockedByChecklist ? (
            <Typography.Text type="warning" data-testid="checklist-hint">
              {t('action.checklistIncomplete')}
            </Typography.Text>
          ) : null}
          {task.mode ? <Tag>{t(`taskMode.${task.mode}`, { defaultValue: task.mode })}</Tag> : null}
        </Space>
      </Form>
    </Card>
  );
}
