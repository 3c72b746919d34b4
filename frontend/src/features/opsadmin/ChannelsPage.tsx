import { useState } from 'react';
import { App, Button, Card, Flex, Form, Input, Modal, Select, Switch, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useFlows } from '../flows';
import { useDepartments } from '../departments';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useLang } from '../../i18n/useLang';
import { formatDateTime } from '../../lib/format';
import { saveErrors, useChannels, useSaveChannel, type Channel, type ChannelInput } from './api';
import { mappingError } from '../intake';

const FIELDS = ['key', 'name', 'flow', 'department', 'submitter', 'secret', 'mapping', 'enabled'];
/** The form's values: the flow, department and submitter are required by the form's rules before submit. */
type Values = Omit<Partial<ChannelInput>, 'mapping'> & { mapping: string };

function ChannelModal({ channel, onClose }: { channel: Channel | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const flows = useFlows();
  const departments = useDepartments();
  const [form] = Form.useForm<Values>();
  const save = useSaveChannel();
  const [rest, setRest] = useState<unknown>(null);

  const submit = (v: Values) => {
    const body = { ...v, mapping: JSON.parse(v.mapping || '{}') as Record<string, unknown> } as ChannelInput;
    if (channel && !v.secret) delete body.secret;
    setRest(null);
    save.mutate(
      { key: channel?.key, body },
      {
        onSuccess: (c) => {
          void message.success(t('ops.channels.saved', { key: c.key }));
          onClose();
        },
        onError: saveErrors(form, FIELDS, setRest),
      },
    );
  };

  const initial: Values = channel
    ? { ...channel, secret: '', mapping: JSON.stringify(channel.mapping ?? {}, null, 2) }
    : { enabled: true, mapping: '{\n  "order_id": "/id",\n  "fields": {},\n  "items": {"field": "items", "path": "/line_items", "fields": {}}\n}' };

  return (
    <Modal
      open
      width={680}
      onCancel={onClose}
      title={channel ? t('ops.channels.edit', { key: channel.key }) : t('ops.channels.new')}
      onOk={() => form.submit()}
      okButtonProps={{ loading: save.isPending, 'data-testid': 'channel-save' }}
      destroyOnHidden
    >
      {rest ? <ErrorAlert error={rest} style={{ marginBottom: 12 }} /> : null}
      <Form form={form} layout="vertical" initialValues={initial} onFinish={submit}>
        <Flex gap={12}>
          <Form.Item name="key" label={t('ops.channels.key')} rules={[{ required: true, message: t('ops.required') }]} style={{ flex: 1 }}>
            <Input disabled={!!channel} />
          </Form.Item>
          <Form.Item name="name" label={t('ops.channels.name')} style={{ flex: 1 }}>
            <Input />
          </Form.Item>
          <Form.Item name="enabled" label={t('ops.channels.enabled')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Flex>
        <Flex gap={12}>
          <Form.Item name="flow" label={t('orders.flow')} rules={[{ required: true, message: t('ops.required') }]} style={{ flex: 1 }}>
            <Select options={(flows.data?.items ?? []).map((f) => ({ value: f.key, label: pick(f.name) || f.key }))} />
          </Form.Item>
          <Form.Item name="department" label={t('orders.department')} rules={[{ required: true, message: t('ops.required') }]} style={{ flex: 1 }}>
            <Select options={(departments.data?.items ?? []).map((d) => ({ value: d.key, label: pick(d.name) || d.key }))} />
          </Form.Item>
          <Form.Item name="submitter" label={t('ops.channels.submitter')} rules={[{ required: true, message: t('ops.required') }]} style={{ flex: 1 }}>
            <Input />
          </Form.Item>
        </Flex>
        <Form.Item
          name="secret"
          label={t('ops.channels.secret')}
          extra={channel ? t('ops.channels.secretKeep') : t('ops.channels.secretHelp')}
          rules={channel ? [{ min: 16, message: t('ops.channels.secretShort') }] : [{ required: true, message: t('ops.required') }, { min: 16, message: t('ops.channels.secretShort') }]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="mapping"
          label={t('ops.channels.mapping')}
          rules={[
            {
              validator: async (_, v: string) => {
                const e = mappingError(v ?? '');
                if (e) throw new Error(t(`ops.imports.mappingError.${e}`));
              },
            },
          ]}
        >
          <Input.TextArea rows={10} style={{ fontFamily: 'monospace' }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Shop channels (webhook intake): flow, department, submitter, secret (write-only) and payload mapping. */
export function ChannelsPage() {
  const { t } = useTranslation();
  const list = useChannels();
  const [editing, setEditing] = useState<Channel | null | undefined>(undefined);
  return (
    <Card>
      <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">
          {t('ops.channels.title')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing(null)}>
          {t('ops.channels.new')}
        </Button>
      </Flex>
      {list.isError ? (
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Table<Channel>
          rowKey="key"
          loading={list.isPending}
          dataSource={list.data?.items ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          columns={[
            { title: t('ops.channels.key'), dataIndex: 'key', key: 'key' },
            { title: t('ops.channels.name'), dataIndex: 'name', key: 'name' },
            { title: t('orders.flow'), dataIndex: 'flow', key: 'flow' },
            { title: t('orders.department'), dataIndex: 'department', key: 'department' },
            { title: t('ops.channels.submitter'), dataIndex: 'submitter', key: 'submitter' },
            { title: t('ops.channels.enabled'), key: 'enabled', render: (_, c) => (c.enabled ? <Tag color="green">{t('ops.channels.on')}</Tag> : <Tag>{t('ops.channels.off')}</Tag>) },
            { title: t('orders.createdAt'), key: 'created', render: (_, c) => formatDateTime(c.created_at) },
            { title: '', key: 'edit', render: (_, c) => <Button size="small" onClick={() => setEditing(c)}>{t('ops.edit')}</Button> },
          ]}
        />
      )}
      {editing !== undefined ? <ChannelModal channel={editing} onClose={() => setEditing(undefined)} /> : null}
    </Card>
  );
}
