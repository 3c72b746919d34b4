import { useState } from 'react';
import { AutoComplete, Flex, Typography } from 'antd';
import type { WidgetProps } from '@rjsf/utils';
import { useCustomerSearch, type CustomerRecord } from '../api/lookups';

/** What the form does with a customer picked from the list (fill in contact and address). */
export type OnCustomer = (c: CustomerRecord) => void;

/** The customer name as a lookup in the customer list (code or name); free text stays allowed for a new customer. */
export function CustomerNameWidget({ id, value, onChange, disabled, readonly, placeholder, rawErrors, registry }: WidgetProps) {
  const [q, setQ] = useState<string | null>(null);
  const customers = useCustomerSearch(q);
  const onCustomer = (registry.formContext as { onCustomer?: OnCustomer } | undefined)?.onCustomer;
  return (
    <AutoComplete
      id={id}
      value={typeof value === 'string' ? value : ''}
      disabled={disabled || readonly}
      placeholder={placeholder}
      status={rawErrors?.length ? 'error' : undefined}
      onFocus={() => setQ(typeof value === 'string' ? value : '')}
      onSearch={(text) => setQ(text)}
      onChange={(v: string) => onChange(v || undefined)}
      onSelect={(_: string, opt: { customer?: CustomerRecord }) => {
        if (opt.customer) {
          onChange(opt.customer.name);
          onCustomer?.(opt.customer);
        }
      }}
      data-testid="customer-lookup"
      options={(customers.data?.items ?? [])
        .filter((c) => !c.blocked)
        .map((c) => ({
          value: `${c.code} ${c.name}`,
          customer: c,
          label: (
            <Flex justify="space-between" gap={8} data-testid="customer-option" data-code={c.code}>
              <span>{c.name}</span>
              <Typography.Text type="secondary">{c.code}</Typography.Text>
            </Flex>
          ),
        }))}
      popupMatchSelectWidth={360}
    />
  );
}
