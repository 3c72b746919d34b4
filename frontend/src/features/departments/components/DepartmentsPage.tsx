import { useState } from 'react';
import { App, Button, Card, Flex, Form, Input, Select, Table, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { TextInputs, type Text } from '../../../components/TextInputs';
import { useLang } from '../../../i18n/useLang';
import { LANGUAGES } from '../../../i18n/languages';
import { useDepartments, type DepartmentItem } from '../api/listDepartments';
import { useCreateDepartment } from '../api/createDepartment';

type Values = { key: string; names?: Text; parent?: string };

/** Departments: each named in every UI language; an admin adds one with its names. */
export function DepartmentsPage() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const departments = useDepartments();
  const create = useCreateDepartment();
  const [form] = Form.useForm<Values>();
  const [adding, setAdding] = useState(false);
  const items = departments.data?.items ?? [];
  const nameOf = (key?: string) => pick(items.find((d) => d.key === key)?.name) || key || '';

  const submit = (v: Values) => {
    const names = v.names ?? {};
    // name is the zh-TW one, what clients that read no names show
    const name = names['zh-TW'] || Object.values(names).find(Boolean) || v.key;
    create.mutate(
      { key: v.key, name, names, parent: v.parent || undefined },
      {
        onSuccess: () => {
          void message.success(t('departments.created', { name: pick(names) || name }));
          form.resetFields();
          setAdding(false);
        },
      },
    );
  };

  return (
    <Card>
      <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">
          {t('departments.title')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding((a) => !a)} data-testid="department-new">
          {t('departments.new')}
        </Button>
      </Flex>
      {adding ? (
        <Card size="small" style={{ marginBottom: 16 }} data-testid="department-form">
          {create.error ? <ErrorAlert error={create.error} style={{ marginBottom: 12 }} /> : null}
          <Form form={form} layout="vertical" onFinish={submit} style={{ maxWidth: 560 }}>
            <Form.Item name="key" label={t('departments.key')} rules={[{ required: true, message: t('departments.required') }]}>
              <Input data-testid="department-key" placeholder="sales-north" />
            </Form.Item>
            <Form.Item
              name="names"
              label={t('departments.name')}
              rules={[{ validator: (_, v?: Text) => (v && Object.values(v).some(Boolean) ? Promise.resolve() : Promise.reject(new Error(t('departments.required')))) }]}
            >
              <TextInputsField testid="department-name" />
            </Form.Item>
            <Form.Item name="parent" label={t('departments.parent')}>
              <Select allowClear options={items.map((d) => ({ value: d.key, label: `${pick(d.name) || d.key} (${d.key})` }))} data-testid="department-parent" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="department-save">
              {t('departments.save')}
            </Button>
          </Form>
        </Card>
      ) : null}
      {departments.error ? <ErrorAlert error={departments.error} onRetry={() => void departments.refetch()} /> : null}
      <Table<DepartmentItem>
        rowKey="key"
        size="small"
        loading={departments.isPending}
        dataSource={items}
        pagination={false}
        data-testid="departments-table"
        columns={[
          { title: t('departments.key'), dataIndex: 'key', key: 'key' },
          { title: t('departments.name'), key: 'name', render: (_, d) => <span data-testid={`department-name-${d.key}`}>{pick(d.name)}</span> },
          ...LANGUAGES.map((lang) => ({
            title: t(`designer.lang.${lang}`),
            key: lang,
            // marked with its language: screen readers read it so, and the language crawl knows it is meant
            render: (_: unknown, d: DepartmentItem) => (
              <span lang={lang}>{typeof d.name === 'string' ? (lang === 'zh-TW' ? d.name : '') : (d.name?.[lang] ?? '')}</span>
            ),
          })),
          { title: t('departments.parent'), key: 'parent', render: (_, d) => nameOf(d.parent) },
        ]}
      />
    </Card>
  );
}

/** TextInputs as an antd form control (value/onChange from Form.Item). */
function TextInputsField({ value, onChange, testid }: { value?: Text; onChange?: (v: Text | undefined) => void; testid?: string }) {
  return <TextInputs value={value} onChange={(v) => onChange?.(v)} testid={testid} />;
}
