import { useState } from 'react';
import { App, Button, Card, Checkbox, Empty, Flex, Form, Input, Modal, Popconfirm, Select, Space, Switch, Tag, Typography } from 'antd';
import { DeleteOutlined, EditOutlined, LockOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../components/ErrorAlert';
import { isApiError } from '../../lib/api';
import { usePermissions } from '../auth';
import {
  inputOf,
  KINDS,
  SECRET_TYPES,
  TYPES,
  useChooseKinds,
  useDeleteNotifyChannel,
  useNotifyChannels,
  useSaveNotifyChannel,
  type NotifyChannel,
  type NotifyChannelInput,
  type NotifyKind,
  type NotifyType,
} from './api';

interface Editing {
  channel?: NotifyChannel;
  company: boolean;
}

/** The kinds as five big checkboxes (wrapping on a phone). */
function KindBoxes({ value, onChange, disabled, testId }: { value: NotifyKind[]; onChange: (k: NotifyKind[]) => void; disabled?: boolean; testId: string }) {
  const { t } = useTranslation();
  return (
    <Checkbox.Group
      value={value}
      disabled={disabled}
      onChange={(v) => onChange(v as NotifyKind[])}
      style={{ display: 'flex', flexWrap: 'wrap', gap: '8px 16px' }}
      data-testid={testId}
      options={KINDS.map((k) => ({ value: k, label: <span data-testid={`${testId}-${k}`}>{t(`notifyChannels.kind.${k}`)}</span> }))}
    />
  );
}

/**
 * Adds or changes a channel. The secret is write-only: shown as stored, never filled in. Mounted per opening
 * (keyed by the channel), so no value of an earlier opening — a secret typed there least of all — stays in its form.
 */
function ChannelModal({ editing, onClose }: { editing: Editing; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<NotifyChannelInput>();
  const save = useSaveNotifyChannel();
  const type: NotifyType = Form.useWatch('type', form) ?? 'email';
  const c = editing.channel;
  const submit = (v: NotifyChannelInput) => {
    const body: NotifyChannelInput = { ...v, company: editing.company, kinds: v.kinds ?? [] };
    if (!body.secret) delete body.secret; // empty: keep the stored one
    save.mutate(
      { id: c?.id, body },
      {
        onSuccess: () => {
          message.success(t('notifyChannels.saved'));
          onClose();
        },
        onError: (e) => {
          if (isApiError(e) && e.status === 422) {
            form.setFields(
              e.fieldErrors
                .map((fe) => ({ name: fe.pointer.replace(/^\//, '').split('/')[0] as keyof NotifyChannelInput, errors: [fe.message] }))
                .filter((f) => f.name),
            );
          }
        },
      },
    );
  };
  return (
    <Modal
      open
      title={t(c ? 'notifyChannels.edit' : editing.company ? 'notifyChannels.addCompany' : 'notifyChannels.add')}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('notifyChannels.save')}
      cancelText={t('common.cancel')}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'channel-save' } as never}
    >
      <Form<NotifyChannelInput>
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={c ? inputOf(c) : { type: 'email', kinds: ['task', 'reminder', 'escalation'], enabled: true }}
        onFinish={submit}
      >
        <Form.Item name="type" label={t('notifyChannels.type')} rules={[{ required: true }]}>
          <Select
            data-testid="channel-type"
            options={TYPES.map((ty) => ({ value: ty, label: t(`notifyChannels.types.${ty}`) }))}
          />
        </Form.Item>
        <Form.Item name="name" label={t('notifyChannels.name')}>
          <Input maxLength={100} data-testid="channel-name" />
        </Form.Item>
        {type !== 'line' || c ? (
          <Form.Item
            name="address"
            label={t(type === 'email' ? 'notifyChannels.email' : 'notifyChannels.url')}
            extra={type === 'email' && editing.company ? t('notifyChannels.companyEmailHint') : undefined}
          >
            <Input maxLength={2000} inputMode={type === 'email' ? 'email' : 'url'} data-testid="channel-address" />
          </Form.Item>
        ) : null}
        {type === 'line' ? (
          <Form.Item name="to" label={t('notifyChannels.lineTo')}>
            <Input maxLength={100} data-testid="channel-to" />
          </Form.Item>
        ) : null}
        {SECRET_TYPES.includes(type) ? (
          <Form.Item
            name="secret"
            label={t(type === 'line' ? 'notifyChannels.lineToken' : 'notifyChannels.dingtalkSecret')}
            extra={c?.has_secret ? t('notifyChannels.secretStored') : undefined}
          >
            <Input.Password
              maxLength={1000}
              autoComplete="new-password"
              placeholder={c?.has_secret ? t('notifyChannels.secretKeep') : undefined}
              data-testid="channel-secret"
            />
          </Form.Item>
        ) : null}
        <Form.Item name="kinds" label={editing.company ? t('notifyChannels.defaultKinds') : t('notifyChannels.kinds')}>
          <KindBoxesField />
        </Form.Item>
        <Form.Item name="enabled" label={t('notifyChannels.enabled')} valuePropName="checked">
          <Switch data-testid="channel-enabled" />
        </Form.Item>
      </Form>
      {save.isError && !(isApiError(save.error) && save.error.status === 422) ? <ErrorAlert error={save.error} /> : null}
    </Modal>
  );
}

/** KindBoxes as a form control (Form.Item hands it value and onChange). */
function KindBoxesField({ value, onChange }: { value?: NotifyKind[]; onChange?: (k: NotifyKind[]) => void }) {
  return <KindBoxes value={value ?? []} onChange={(k) => onChange?.(k)} testId="channel-kinds" />;
}

function ChannelCard({ c, manage, onEdit }: { c: NotifyChannel; manage: boolean; onEdit: () => void }) {
  const { t } = useTranslation();
  const save = useSaveNotifyChannel();
  const choose = useChooseKinds();
  const del = useDeleteNotifyChannel();
  const setKinds = (kinds: NotifyKind[]) => (c.company ? choose.mutate({ id: c.id, kinds }) : save.mutate({ id: c.id, body: inputOf(c, { kinds }) }));
  const error = save.error ?? choose.error ?? del.error;
  return (
    <Card size="small" data-testid="notify-channel" data-id={c.id} data-type={c.type} data-company={c.company ? 'true' : 'false'}>
      <Flex justify="space-between" align="start" gap={8} wrap>
        <div style={{ minWidth: 0, flex: '1 1 180px' }}>
          <Space size={6} wrap>
            <Tag color={c.company ? 'purple' : 'blue'}>{t(`notifyChannels.types.${c.type}`)}</Tag>
            <Typography.Text strong>{c.name || t(`notifyChannels.types.${c.type}`)}</Typography.Text>
            {!c.enabled ? <Tag>{t('notifyChannels.off')}</Tag> : null}
            {c.has_secret ? (
              <Tag icon={<LockOutlined />} data-testid="channel-has-secret">
                {t('notifyChannels.secretSet')}
              </Tag>
            ) : null}
          </Space>
          {c.address ? (
            <Typography.Paragraph type="secondary" ellipsis style={{ margin: '4px 0 0', overflowWrap: 'anywhere' }}>
              {c.address}
              {c.to ? ` → ${c.to}` : ''}
            </Typography.Paragraph>
          ) : c.company && c.type === 'email' ? (
            <Typography.Paragraph type="secondary" style={{ margin: '4px 0 0' }}>
              {t('notifyChannels.companyEmailHint')}
            </Typography.Paragraph>
          ) : null}
        </div>
        {manage ? (
          <Space>
            {!c.company ? (
              <Switch
                checked={c.enabled}
                loading={save.isPending}
                onChange={(on) => save.mutate({ id: c.id, body: inputOf(c, { enabled: on }) })}
                aria-label={t('notifyChannels.enabled')}
                data-testid="channel-toggle"
              />
            ) : null}
            <Button icon={<EditOutlined />} onClick={onEdit} aria-label={t('notifyChannels.edit')} data-testid="channel-edit" />
            <Popconfirm title={t('notifyChannels.deleteConfirm')} onConfirm={() => del.mutate(c.id)} okText={t('notifyChannels.delete')} cancelText={t('common.cancel')}>
              <Button danger icon={<DeleteOutlined />} loading={del.isPending} aria-label={t('notifyChannels.delete')} data-testid="channel-delete" />
            </Popconfirm>
          </Space>
        ) : null}
      </Flex>
      <div style={{ marginTop: 8 }}>
        <Typography.Text type="secondary" style={{ display: 'block', marginBottom: 4 }}>
          {c.company ? (c.chosen ? t('notifyChannels.myKindsChosen') : t('notifyChannels.myKindsDefault')) : t('notifyChannels.kinds')}
        </Typography.Text>
        <KindBoxes value={c.my_kinds} onChange={setKinds} disabled={save.isPending || choose.isPending} testId={`kinds-${c.id}`} />
      </div>
      {error ? <ErrorAlert error={error} style={{ marginTop: 8 }} /> : null}
    </Card>
  );
}

/** Where my notifications go: my own channels (email, chat robots, webhooks) and which kinds each gets; on the company's channels, my choice of kinds; admins manage the company's channels. */
export function NotifyChannelsPage() {
  const { t } = useTranslation();
  const list = useNotifyChannels();
  const { can } = usePermissions();
  const admin = can('users.manage');
  const [editing, setEditing] = useState<Editing | null>(null);
  if (list.isError) return <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />;
  const items = list.data?.items ?? [];
  const mine = items.filter((c) => !c.company);
  const company = items.filter((c) => c.company);
  return (
    <Flex vertical gap={16}>
      <Card loading={list.isPending}>
        <Flex justify="space-between" align="center" wrap gap={8}>
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="page-title">
            {t('notifyChannels.title')}
          </Typography.Title>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ company: false })} data-testid="channel-add">
            {t('notifyChannels.add')}
          </Button>
        </Flex>
        <Typography.Paragraph type="secondary" style={{ margin: '8px 0 12px' }}>
          {t('notifyChannels.intro')}
        </Typography.Paragraph>
        <Flex vertical gap={8} data-testid="my-channels">
          {mine.length ? mine.map((c) => <ChannelCard key={c.id} c={c} manage onEdit={() => setEditing({ channel: c, company: false })} />) : <Empty description={t('notifyChannels.none')} />}
        </Flex>
      </Card>
      <Card
        loading={list.isPending}
        title={t('notifyChannels.company')}
        extra={
          admin ? (
            <Button icon={<PlusOutlined />} onClick={() => setEditing({ company: true })} data-testid="company-channel-add">
              {t('notifyChannels.addCompanyShort')}
            </Button>
          ) : null
        }
      >
        <Flex vertical gap={8} data-testid="company-channels">
          {company.length ? (
            company.map((c) => <ChannelCard key={c.id} c={c} manage={admin} onEdit={() => setEditing({ channel: c, company: true })} />)
          ) : (
            <Empty description={t('notifyChannels.noneCompany')} />
          )}
        </Flex>
      </Card>
      {editing ? (
        <ChannelModal key={editing.channel ? `c${editing.channel.id}` : editing.company ? 'new-company' : 'new'} editing={editing} onClose={() => setEditing(null)} />
      ) : null}
    </Flex>
  );
}
