import { useState } from 'react';
import { App, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useForbidden } from '../../auth';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLang } from '../../../i18n/useLang';
import { useDefinitions, useRetireFlow, type DefinitionView } from '../api/definitions';
import { keyFromName } from '../lib/keys';

/** Route /designer/flows — the flow definitions (key, name, latest version, draft) and "new flow". */
export function FlowsListPage() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const forbidden = useForbidden('definitions.manage');
  const navigate = useNavigate();
  const flows = useDefinitions('flows');
  const forms = useDefinitions('forms');
  const retire = useRetireFlow();
  const { message } = App.useApp();
  const setRetired = (key: string, on: boolean) =>
    retire.mutate(
      { key, retire: on },
      {
        onSuccess: () => void message.success(t(on ? 'designer.retiredDone' : 'designer.restoredDone', { key })),
        onError: (e) => void message.error(e instanceof Error ? e.message : String(e)),
      },
    );
  const [creating, setCreating] = useState(false);
  // the key follows the name until the admin edits it
  const [keyEdited, setKeyEdited] = useState(false);
  const [form] = Form.useForm<{ key: string; name?: string; form: string }>();

  if (forbidden) return forbidden;

  const taken = new Set((flows.data?.items ?? []).map((f) => f.key));
  return (
    <Card
      title={t('designer.flowsTitle')}
      extra={
        <Button
          type="primary"
          icon={<PlusOutlined />}
          onClick={() => {
            setKeyEdited(false);
            setCreating(true);
          }}
          data-testid="flow-new"
        >
          {t('designer.newFlow')}
        </Button>
      }
    >
      {flows.isError ? (
        <ErrorAlert error={flows.error} onRetry={() => void flows.refetch()} />
      ) : (
        <Table<DefinitionView>
          rowKey="key"
          loading={flows.isPending}
          dataSource={flows.data?.items ?? []}
          pagination={false}
          onRow={(r) => ({ 'data-testid': `flow-row-${r.key}` }) as object}
          columns={[
            { title: t('designer.key'), dataIndex: 'key', render: (k: string) => <Typography.Text code>{k}</Typography.Text> },
            {
              title: t('designer.name'),
              dataIndex: 'name',
              render: (n: DefinitionView['name'], r) => (
                <Space>
                  {pick(n)}
                  {r.retired ? (
                    <Tag color="default" data-testid={`flow-retired-${r.key}`}>
                      {t('designer.retired')}
                    </Tag>
                  ) : null}
                </Space>
              ),
            },
            {
              title: t('designer.latestVersion'),
              dataIndex: 'version',
              render: (v: number) => (v > 0 ? t('designer.versionN', { version: v }) : <Tag>{t('designer.unpublished')}</Tag>),
            },
            {
              title: t('designer.draftCol'),
              render: (_, r) => (r.status === 'draft' || r.draft ? <Tag color="orange">{t('designer.hasDraft')}</Tag> : t('common.none')),
            },
            {
              title: '',
              render: (_, r) => (
                <Space>
                  <Link to={`/designer/flows/${encodeURIComponent(r.key)}`} data-testid={`flow-open-${r.key}`}>
                    {t('designer.open')}
                  </Link>
                  {r.version > 0 ? (
                    r.retired ? (
                      <Button size="small" onClick={() => setRetired(r.key, false)} data-testid={`flow-restore-${r.key}`}>
                        {t('designer.restore')}
                      </Button>
                    ) : (
                      <Popconfirm
                        title={t('designer.retireConfirm')}
                        description={t('designer.retireHelp')}
                        okText={t('designer.retire')}
                        cancelText={t('common.cancel')}
                        onConfirm={() => setRetired(r.key, true)}
                      >
                        <Button size="small" danger data-testid={`flow-retire-${r.key}`}>
                          {t('designer.retire')}
                        </Button>
                      </Popconfirm>
                    )
                  ) : null}
                </Space>
              ),
            },
          ]}
        />
      )}
      <Modal
        open={creating}
        title={t('designer.newFlow')}
        onCancel={() => setCreating(false)}
        okText={t('designer.create')}
        cancelText={t('common.cancel')}
        onOk={() =>
          void form.validateFields().then((v) => {
            const q = new URLSearchParams({ form: v.form, ...(v.name ? { name: v.name } : {}) });
            navigate(`/designer/flows/${encodeURIComponent(v.key)}?${q}`);
          })
        }
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          initialValues={{ form: 'order' }}
          preserve={false}
          onValuesChange={(changed: { key?: string; name?: string }) => {
            if ('key' in changed) setKeyEdited(true);
            else if ('name' in changed && !keyEdited) {
              const has = (k: string) => taken.has(k);
              form.setFieldValue('key', keyFromName(changed.name, has, '-', 'flow') ?? keyFromName('flow', has, '-', 'flow'));
            }
          }}
        >
          <Form.Item name="name" label={t('designer.name')}>
            <Input data-testid="flow-new-name" autoFocus />
          </Form.Item>
          <Form.Item
            name="key"
            extra={keyEdited ? undefined : t('designer.keyFromName')}
            label={t('designer.key')}
            rules={[
              { required: true, message: t('designer.keyRequired') },
              { pattern: /^[a-z][a-z0-9_-]{0,63}$/, message: t('designer.keyPattern') },
              { validator: (_, v) => (taken.has(v) ? Promise.reject(new Error(t('designer.keyTaken'))) : Promise.resolve()) },
            ]}
          >
            <Input data-testid="flow-new-key" placeholder="small-orders" />
          </Form.Item>
          <Form.Item name="form" label={t('designer.form')} rules={[{ required: true }]}>
            <Select
              options={(forms.data?.items ?? [{ key: 'order', name: 'order' } as DefinitionView]).map((f) => ({ value: f.key, label: `${pick(f.name) || f.key} (${f.key})` }))}
            />
          </Form.Item>
        </Form>
        <Space />
      </Modal>
    </Card>
  );
}
