import { useState } from 'react';
import { Button, Card, Form, Input, Modal, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useForbidden } from '../../auth';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLang } from '../../../i18n/useLang';
import { useDefList, type DefView, type Kind } from '../api/definitions';

export const DEF_KEY_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/** The definitions of one kind (key, name, latest version, draft) with "new": forms, roles, reminders. */
export function DefinitionsListPage({ kind, base, title, extra }: { kind: Kind; base: string; title: string; extra?: (r: DefView) => React.ReactNode }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const forbidden = useForbidden('definitions.manage');
  const navigate = useNavigate();
  const list = useDefList(kind);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<{ key: string }>();

  if (forbidden) return forbidden;
  const taken = new Set((list.data?.items ?? []).map((f) => f.key));
  return (
    <Card
      title={title}
      extra={
        kind !== 'flows' && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid={`${kind}-new`}>
            {t('defs.new')}
          </Button>
        )
      }
    >
      {list.isError ? (
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Table<DefView>
          rowKey="key"
          loading={list.isPending}
          dataSource={list.data?.items ?? []}
          pagination={false}
          onRow={(r) => ({ 'data-testid': `${kind}-row-${r.key}` }) as object}
          columns={[
            { title: t('defs.key'), dataIndex: 'key', render: (k: string) => <Typography.Text code>{k}</Typography.Text> },
            { title: t('defs.name'), dataIndex: 'name', render: (n: DefView['name']) => pick(n) },
            {
              title: t('defs.latestVersion'),
              dataIndex: 'version',
              render: (v: number) => (v > 0 ? t('defs.versionN', { version: v }) : <Tag>{t('defs.unpublished')}</Tag>),
            },
            {
              title: t('defs.draftCol'),
              render: (_, r) => (r.status === 'draft' || r.draft ? <Tag color="orange">{t('defs.hasDraft')}</Tag> : t('common.none')),
            },
            {
              title: '',
              render: (_, r) =>
                extra ? (
                  extra(r)
                ) : (
                  <Link to={`${base}/${encodeURIComponent(r.key)}`} data-testid={`${kind}-open-${r.key}`}>
                    {t('common.open')}
                  </Link>
                ),
            },
          ]}
        />
      )}
      <Modal
        open={creating}
        title={t('defs.new')}
        onCancel={() => setCreating(false)}
        okText={t('defs.create')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': `${kind}-new-ok` } as Record<string, string>}
        onOk={() => void form.validateFields().then((v) => navigate(`${base}/${encodeURIComponent(v.key)}?new=1`))}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item
            name="key"
            label={t('defs.key')}
            rules={[
              { required: true, message: t('defs.keyRequired') },
              { pattern: DEF_KEY_PATTERN, message: t('defs.keyPattern') },
              { validator: (_, v) => (taken.has(v) ? Promise.reject(new Error(t('defs.keyTaken'))) : Promise.resolve()) },
            ]}
          >
            <Input data-testid={`${kind}-new-key`} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
