import { useState } from 'react';
import { App, Button, Card, Flex, Form, Input, InputNumber, Modal, Select, Switch, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useLang } from '../../i18n/useLang';
import { formatMoney } from '../../lib/format';
import { saveErrors, useCustomers, useSaveCustomer, type Customer, type CustomerInput } from './api';

const FIELDS = ['code', 'name', 'email', 'language', 'webhook_url', 'blocked', 'blocked_reason', 'credit_limit', 'address'];

function CustomerModal({ customer, onClose }: { customer: Customer | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<CustomerInput>();
  const save = useSaveCustomer();
  const blocked = Form.useWatch('blocked', form);
  const [rest, setRest] = useState<unknown>(null);

  const submit = (values: CustomerInput) => {
    const body: CustomerInput = { ...values };
    if (!body.blocked) body.blocked_reason = '';
    if (body.credit_limit === null || body.credit_limit === undefined) body.credit_limit = 0;
    setRest(null);
    save.mutate(
      { code: customer?.code, body },
      {
        onSuccess: (c) => {
          void message.success(t('ops.customers.saved', { name: c.name }));
          onClose();
        },
        onError: saveErrors(form, FIELDS, setRest),
      },
    );
  };

  return (
    <Modal
      open
      onCancel={onClose}
      title={customer ? t('ops.customers.edit', { name: customer.name }) : t('ops.customers.new')}
      onOk={() => form.submit()}
      okButtonProps={{ loading: save.isPending, 'data-testid': 'customer-save' }}
      destroyOnHidden
    >
      {rest ? <ErrorAlert error={rest} style={{ marginBottom: 12 }} /> : null}
      <Form form={form} layout="vertical" initialValues={customer ?? { language: 'zh-TW', credit_limit: 0, blocked: false }} onFinish={submit}>
        <Form.Item name="code" label={t('ops.customers.code')} rules={[{ required: true, message: t('ops.required') }]}>
          <Input disabled={!!customer} data-testid="customer-code" />
        </Form.Item>
        <Form.Item name="name" label={t('ops.customers.name')} rules={[{ required: true, message: t('ops.required') }]}>
          <Input data-testid="customer-name" />
        </Form.Item>
        <Flex gap={12}>
          <Form.Item name="credit_limit" label={t('ops.customers.creditLimit')} style={{ flex: 1 }} extra={t('ops.customers.creditHelp')}>
            <InputNumber min={0} style={{ width: '100%' }} data-testid="customer-credit" />
          </Form.Item>
          <Form.Item name="language" label={t('ops.customers.language')} style={{ width: 140 }}>
            <Select options={['zh-TW', 'zh-CN', 'en'].map((l) => ({ value: l, label: t(`ops.lang.${l}`) }))} />
          </Form.Item>
        </Flex>
        <Form.Item name="email" label={t('ops.customers.email')}>
          <Input type="email" />
        </Form.Item>
        <Form.Item name="webhook_url" label={t('ops.customers.webhook')}>
          <Input placeholder="https://" />
        </Form.Item>
        <Form.Item name="address" label={t('ops.customers.address')}>
          <Input />
        </Form.Item>
        <Form.Item name="blocked" label={t('ops.customers.blocked')} valuePropName="checked">
          <Switch data-testid="customer-blocked" />
        </Form.Item>
        {blocked ? (
          <Form.Item name="blocked_reason" label={t('ops.customers.blockedReason')} rules={[{ required: true, message: t('ops.required') }]}>
            <Input data-testid="customer-blocked-reason" />
          </Form.Item>
        ) : null}
      </Form>
    </Modal>
  );
}

/** Customers: credit limits, blocking, confirmation address and language. */
export function CustomersPage() {
  const { t } = useTranslation();
  const { lang } = useLang();
  const [q, setQ] = useState('');
  const [blocked, setBlocked] = useState('');
  const list = useCustomers({ q: q || undefined, blocked: blocked || undefined });
  const [editing, setEditing] = useState<Customer | null | undefined>(undefined);

  return (
    <Card>
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">
          {t('ops.customers.title')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing(null)} data-testid="customer-new">
          {t('ops.customers.new')}
        </Button>
      </Flex>
      <Flex gap={12} wrap style={{ marginBottom: 16 }}>
        <Input.Search allowClear placeholder={t('ops.customers.search')} onSearch={(v) => setQ(v.trim())} style={{ width: 280 }} data-testid="customer-search" />
        <Select
          style={{ width: 160 }}
          value={blocked}
          onChange={setBlocked}
          options={[
            { value: '', label: t('ops.customers.all') },
            { value: 'true', label: t('ops.customers.onlyBlocked') },
            { value: 'false', label: t('ops.customers.onlyActive') },
          ]}
        />
      </Flex>
      {list.isError ? (
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Table<Customer>
          rowKey="code"
          loading={list.isPending}
          dataSource={list.data?.items ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          scroll={{ x: 'max-content' }}
          onRow={(c) => ({ 'data-testid': 'customer-row', 'data-code': c.code, 'data-name': c.name }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('ops.customers.code'), dataIndex: 'code', key: 'code' },
            { title: t('ops.customers.name'), dataIndex: 'name', key: 'name' },
            {
              title: t('ops.customers.creditLimit'),
              key: 'credit',
              align: 'right',
              render: (_, c) => <span data-testid="customer-credit-value" data-value={c.credit_limit}>{c.credit_limit ? formatMoney(c.credit_limit, lang) : t('ops.customers.noLimit')}</span>,
            },
            { title: t('ops.customers.email'), dataIndex: 'email', key: 'email' },
            { title: t('ops.customers.language'), key: 'lang', render: (_, c) => (c.language ? t(`ops.lang.${c.language}`) : '—') },
            {
              title: t('ops.customers.blocked'),
              key: 'blocked',
              render: (_, c) => (c.blocked ? <Tag color="red" title={c.blocked_reason}>{t('ops.customers.blockedTag')}: {c.blocked_reason}</Tag> : <Tag color="green">{t('ops.customers.active')}</Tag>),
            },
            {
              title: '',
              key: 'edit',
              render: (_, c) => (
                <Button size="small" onClick={() => setEditing(c)} data-testid="customer-edit">
                  {t('ops.edit')}
                </Button>
              ),
            },
          ]}
        />
      )}
      {editing !== undefined ? <CustomerModal customer={editing} onClose={() => setEditing(undefined)} /> : null}
    </Card>
  );
}
