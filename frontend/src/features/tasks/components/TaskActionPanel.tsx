import { useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Flex, Form, Input, Radio, Select, Space, Tag, Typography } from 'antd';
import { CheckOutlined, CloseOutlined, MessageOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useActOnTask } from '../api/actOnTask';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLang } from '../../../i18n/useLang';
import { isApiError } from '../../../lib/api';
import { isLocalizedObject, type LocalizedText } from '../../../i18n/pickText';
import type { ChecklistItem, Task, TaskAction } from '../../../lib/types';

interface Values {
  action: TaskAction;
  reason?: string;
  comment?: string;
}

function checklistText(item: ChecklistItem, pick: (t: LocalizedText) => string): string {
  if (typeof item === 'string') return item;
  if (isLocalizedObject(item)) return pick(item);
  const obj = item as { text?: LocalizedText; label?: LocalizedText; key?: string };
  return pick(obj.text ?? obj.label) || obj.key || '';
}

type ReasonOption = string | { code?: string; key?: string; label?: unknown; name?: unknown; text?: unknown };

/** Approve / reject / comment on one task the current user may act on. */
export function TaskActionPanel({ task, orderId }: { task: Task; orderId: string }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const act = useActOnTask(orderId);
  const [form] = Form.useForm<Values>();
  const action = Form.useWatch('action', form) ?? 'approve';
  const [checked, setChecked] = useState<Record<number, boolean>>({});

  const reasons = ((task.reasons ?? []) as ReasonOption[]).map((r) => {
    if (typeof r === 'string') return { value: r, label: t(`reasons.${r}`, { defaultValue: r }) };
    const value = String(r.code ?? r.key ?? '');
    const label = pick((r.label ?? r.name ?? r.text) as never) || t(`reasons.${value}`, { defaultValue: value });
    return { value, label };
  });
  const nodeName = pick(task.node_name) || task.node;

  const onFinish = (v: Values) => {
    const body = {
      action: v.action,
      comment: v.comment?.trim() || undefined,
      reason: v.action === 'reject' ? v.reason?.trim() || undefined : undefined,
    };
    act.mutate(
      { taskId: task.id, body },
      {
        onSuccess: () => {
          message.success(t('action.done', { action: t(`action.${v.action}`) }));
          form.resetFields();
        },
        // the order is reloaded after an error and this panel may disappear with the task: say why in a toast too
        onError: (e) => {
          if (isApiError(e) && e.status === 409) message.warning(t('action.conflict'));
          else if (isApiError(e) && e.status === 403) message.warning(t('action.forbidden'));
        },
      },
    );
  };

  const conflict = isApiError(act.error) && act.error.status === 409;
  const forbidden = isApiError(act.error) && act.error.status === 403;

  return (
    <Card
      size="small"
      type="inner"
      title={t('action.panelTitle', { node: nodeName })}
      data-testid="task-action-panel"
      data-task-id={String(task.id)}
      data-node={task.node}
      style={{ marginBottom: 16, borderColor: '#91caff' }}
    >
      {task.checklist?.length ? (
        <div style={{ marginBottom: 12 }}>
          <Typography.Text strong>{t('action.checklist')}</Typography.Text>
          <Flex vertical gap={4} style={{ marginTop: 4 }}>
            {task.checklist.map((item: ChecklistItem, i) => (
              <Checkbox
                key={i}
                checked={!!checked[i]}
                onChange={(e) => setChecked((c) => ({ ...c, [i]: e.target.checked }))}
                data-testid="checklist-item"
              >
                {checklistText(item, pick)}
              </Checkbox>
            ))}
          </Flex>
        </div>
      ) : null}

      {conflict ? <Alert type="warning" showIcon title={t('action.conflict')} style={{ marginBottom: 12 }} /> : null}
      {forbidden ? <Alert type="warning" showIcon title={t('action.forbidden')} style={{ marginBottom: 12 }} /> : null}
      {act.isError ? <ErrorAlert error={act.error} style={{ marginBottom: 12 }} /> : null}

      <Form<Values> form={form} layout="vertical" initialValues={{ action: 'approve' }} onFinish={onFinish} disabled={act.isPending}>
        <Form.Item name="action" label={t('action.chooseAction')}>
          <Radio.Group buttonStyle="solid">
            <Radio.Button value="approve">
              <span data-testid="action-approve">
                <CheckOutlined /> {t('action.approve')}
              </span>
            </Radio.Button>
            <Radio.Button value="reject">
              <span data-testid="action-reject">
                <CloseOutlined /> {t('action.reject')}
              </span>
            </Radio.Button>
            <Radio.Button value="comment">
              <span data-testid="action-comment">
                <MessageOutlined /> {t('action.comment')}
              </span>
            </Radio.Button>
          </Radio.Group>
        </Form.Item>

        {action === 'reject' ? (
          <Form.Item
            name="reason"
            label={t('action.reasonLabel')}
            rules={[{ required: true, whitespace: true, message: t('action.reasonRequired') }]}
          >
            {reasons.length ? (
              <Select placeholder={t('action.reasonPlaceholder')} options={reasons} data-testid="action-reason-select" />
            ) : (
              <Input placeholder={t('action.reasonTextPlaceholder')} maxLength={500} data-testid="action-reason-input" />
            )}
          </Form.Item>
        ) : null}

        <Form.Item
          name="comment"
          label={t('action.commentLabel')}
          rules={action === 'comment' ? [{ required: true, whitespace: true, message: t('action.commentRequired') }] : []}
        >
          <Input.TextArea rows={3} maxLength={2000} placeholder={t('action.commentPlaceholder')} data-testid="action-comment-input" />
        </Form.Item>

        <Space>
          <Button
            type="primary"
            danger={action === 'reject'}
            htmlType="submit"
            loading={act.isPending}
            data-testid="action-submit"
          >
            {t('action.submitAction', { action: t(`action.${action}`) })}
          </Button>
          {task.mode ? <Tag>{t(`taskMode.${task.mode}`, { defaultValue: task.mode })}</Tag> : null}
        </Space>
      </Form>
    </Card>
  );
}
