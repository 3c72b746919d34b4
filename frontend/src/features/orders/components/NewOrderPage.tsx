import { useCallback, useEffect, useMemo, useState } from 'react';
import { App, Button, Card, Empty, Flex, Form as AntdForm, Select, Skeleton, Typography } from 'antd';
import { SendOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { useFlows } from '../../flows';
import { useFlowForm } from '../../flows';
import { useCreateOrder } from '../api/createOrder';
import { OrderForm } from './OrderForm';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLang } from '../../../i18n/useLang';
import { isApiError, pointersToErrorSchema } from '../../../lib/api';
import { computedFields, omitComputed } from '../../../lib/rjsf';
import { liveTotals, withLiveTotals } from '../lib/lines';
import type { CustomerRecord } from '../api/lookups';

/** New order: pick a published flow, fill its form (rendered from the JSON Schema), submit. */
export function NewOrderPage() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const flows = useFlows();
  const items = flows.data?.items ?? [];
  const flowKey = params.get('flow') ?? (items.length === 1 ? items[0].key : undefined);
  const flowForm = useFlowForm(flowKey);
  const create = useCreateOrder();
  const [data, setData] = useState<Record<string, unknown>>({});

  // a different flow starts from an empty form
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- resets together with the mutation (create.reset), which must not run during render
    setData({});
    create.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [flowKey]);

  const serverErrors = isApiError(create.error) ? pointersToErrorSchema(create.error.fieldErrors) : undefined;
  const form = flowForm.data?.form;
  // totals follow the typing; the server computes them again on submit
  const totals = useMemo(() => liveTotals(form?.computed), [form?.computed]);
  const change = useCallback((d: Record<string, unknown>) => setData(withLiveTotals(d, totals)), [totals]);
  // a customer picked from the list brings its e-mail and address where the form has them empty
  const onCustomer = useCallback((c: CustomerRecord) => {
    setData((d) => {
      const cu: Record<string, unknown> = { ...((d.customer as Record<string, unknown> | undefined) ?? {}), name: c.name };
      if (!cu.contact && c.email) cu.contact = c.email;
      const ship = { ...((d.ship_to as Record<string, unknown> | undefined) ?? {}) };
      if (!ship.address && c.address) ship.address = c.address;
      return { ...d, customer: cu, ...(Object.keys(ship).length ? { ship_to: ship } : {}) };
    });
  }, []);

  const submit = (formData: Record<string, unknown>) => {
    if (!flowKey || !form) return;
    setData(formData);
    create.mutate(
      { flow: flowKey, data: omitComputed(formData, computedFields(form.computed)) },
      {
        onSuccess: (order) => {
          message.success(t('newOrder.submitted', { number: order.number }));
          navigate(`/orders/${order.id}`);
        },
      },
    );
  };

  return (
    <Card>
      <Typography.Title level={3} style={{ marginTop: 0 }} data-testid="page-title">
        {t('newOrder.title')}
      </Typography.Title>
      {flows.isError ? <ErrorAlert error={flows.error} onRetry={() => void flows.refetch()} /> : null}
      {flows.isSuccess && items.length === 0 ? <Empty description={t('newOrder.noFlows')} /> : null}
      {items.length > 0 ? (
        <AntdForm layout="vertical" style={{ maxWidth: 480 }}>
          <AntdForm.Item
            label={t('newOrder.pickFlow')}
            required
            extra={flowKey ? <span data-testid="flow-description">{pick(items.find((f) => f.key === flowKey)?.description)}</span> : undefined}
          >
            <Select
              value={flowKey}
              placeholder={t('newOrder.pickFlowPlaceholder')}
              onChange={(v) => setParams({ flow: v }, { replace: true })}
              data-testid="flow-select"
              options={items.map((f) => ({
                value: f.key,
                label: (
                  <span data-testid={`flow-option-${f.key}`}>
                    {pick(f.name) || f.key}{' '}
                    <Typography.Text type="secondary">{t('newOrder.version', { version: f.version })}</Typography.Text>
                  </span>
                ),
              }))}
            />
          </AntdForm.Item>
        </AntdForm>
      ) : null}

      {flowKey ? (
        flowForm.isError ? (
          <ErrorAlert error={flowForm.error} onRetry={() => void flowForm.refetch()} />
        ) : !form ? (
          <Skeleton active />
        ) : (
          <>
            <Typography.Title level={4} style={{ marginBottom: 4 }}>
              {pick(form.name) || t('newOrder.formTitle')}
            </Typography.Title>
            {create.isError ? (
              <ErrorAlert
                error={create.error}
                title={serverErrors && Object.keys(serverErrors).length ? t('newOrder.validationFailed') : undefined}
                style={{ marginBottom: 16 }}
              />
            ) : null}
            <OrderForm
              key={`${form.key}@${form.version}`}
              form={form}
              formData={data}
              onChange={change}
              onCustomer={onCustomer}
              onSubmit={submit}
              disabled={create.isPending}
              extraErrors={serverErrors}
              testId="order-form"
            >
              <Flex justify="flex-end" style={{ marginTop: 16 }}>
                <Button type="primary" htmlType="submit" icon={<SendOutlined />} loading={create.isPending} data-testid="order-submit">
                  {t('newOrder.submit')}
                </Button>
              </Flex>
            </OrderForm>
          </>
        )
      ) : null}
    </Card>
  );
}
