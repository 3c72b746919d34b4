import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { AutoComplete, Button, Flex, Input, InputNumber, Space, Table, Tooltip, Typography } from 'antd';
import { CopyOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import type { FieldProps } from '@rjsf/utils';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../i18n/useLang';
import { formatMoney } from '../../../lib/format';
import type { JsonSchema } from '../../../lib/types';
import { useProductSearch } from '../api/lookups';
import { addRow, applyProduct, copyRow, lineAmount, nextCell, removeRow, setCell, tableColumns, type Row } from '../lib/lines';

type Prop = { type?: string; title?: string; minimum?: number; maximum?: number };

/**
 * Line items as an editable table (an rjsf field for an array of flat objects): add, copy and remove rows; Enter
 * moves to the next cell and, from the last one, opens a new row (so does Tab); a `sku` column looks products up
 * in the catalogue and fills name and price in; each row shows its amount and the foot the live total.
 */
export function LineItemsField(props: FieldProps) {
  const { schema, uiSchema, formData, onChange, fieldPathId, errorSchema, disabled, readonly } = props;
  const { t } = useTranslation();
  const { lang } = useLang();
  const uiOrder = (uiSchema?.items as Record<string, unknown> | undefined)?.['ui:order'];
  const columns = useMemo(() => tableColumns(schema as JsonSchema, uiOrder) ?? [], [schema, uiOrder]);
  const itemProps = ((schema.items as { properties?: Record<string, Prop> } | undefined)?.properties ?? {}) as Record<string, Prop>;
  const rows: Row[] = useMemo(() => (Array.isArray(formData) ? (formData as Row[]) : []), [formData]);
  const base = fieldPathId.$id;
  const set = (next: Row[]) => onChange(next, fieldPathId.path);
  const locked = !!(disabled || readonly);
  const hasAmount = columns.includes('qty') && columns.includes('price');

  // the SKU being typed (row and text) drives one catalogue search
  const [lookup, setLookup] = useState<{ row: number; q: string } | null>(null);
  const products = useProductSearch(lookup ? lookup.q : null);
  const [focus, setFocus] = useState<{ row: number; col: number } | null>(null);
  const wrap = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!focus) return;
    const el = wrap.current?.querySelector<HTMLInputElement>(`[data-cell="${focus.row}:${focus.col}"] input, input[data-cell="${focus.row}:${focus.col}"]`);
    if (el) {
      el.focus();
      el.select?.();
      setFocus(null);
    }
  }, [focus, rows.length]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (locked || (e.key !== 'Enter' && e.key !== 'Tab')) return;
    const target = e.target as HTMLElement;
    // an open product list takes Enter for itself
    if (e.key === 'Enter' && target.getAttribute('aria-expanded') === 'true') return;
    const cell = target.closest('[data-cell]')?.getAttribute('data-cell');
    if (!cell) return;
    const [r, c] = cell.split(':').map(Number);
    const next = nextCell(r, c, rows.length, columns.length, e.key === 'Tab' && e.shiftKey);
    // Tab keeps the browser's order except from the last cell, which opens a new row
    if (!next || (e.key === 'Tab' && !next.add)) return;
    e.preventDefault();
    if (next.add) set(addRow(rows));
    setFocus({ row: next.row, col: next.col });
  };

  const errorsOf = (i: number, key: string): string[] => {
    const es = errorSchema as Record<string, Record<string, { __errors?: string[] }>> | undefined;
    return es?.[i]?.[key]?.__errors ?? [];
  };

  const cell = (row: Row, i: number, key: string, col: number) => {
    const p = itemProps[key] ?? {};
    const id = `${base}_${i}_${key}`;
    const errs = errorsOf(i, key);
    const status = errs.length ? ('error' as const) : undefined;
    const value = row[key];
    let input;
    if (key === 'sku') {
      const opts = lookup?.row === i ? (products.data ?? []).slice(0, 20) : [];
      input = (
        <AutoComplete
          id={id}
          data-cell={`${i}:${col}`}
          value={typeof value === 'string' ? value : ''}
          disabled={locked}
          status={status}
          style={{ width: '100%', minWidth: 130 }}
          placeholder={t('lines.skuPlaceholder')}
          onFocus={() => setLookup({ row: i, q: typeof value === 'string' ? value : '' })}
          onSearch={(q) => setLookup({ row: i, q })}
          onChange={(v: string) => set(setCell(rows, i, key, v ? v.toUpperCase() : undefined))}
          onSelect={(sku: string) => {
            const prod = products.data?.find((x) => x.sku === sku);
            if (prod) set(applyProduct(rows, i, prod, columns));
          }}
          options={opts.map((x) => ({
            value: x.sku,
            label: (
              <Flex justify="space-between" gap={8} data-testid="product-option" data-sku={x.sku}>
                <span>
                  <Typography.Text strong>{x.sku}</Typography.Text> {x.name}
                </span>
                <Typography.Text type="secondary">{formatMoney(x.price, lang)}</Typography.Text>
              </Flex>
            ),
          }))}
          popupMatchSelectWidth={360}
        />
      );
    } else if (p.type === 'integer' || p.type === 'number') {
      input = (
        <InputNumber
          id={id}
          data-cell={`${i}:${col}`}
          value={typeof value === 'number' ? value : null}
          min={p.minimum}
          max={p.maximum}
          precision={p.type === 'integer' ? 0 : undefined}
          disabled={locked}
          status={status}
          style={{ width: '100%', minWidth: key === 'qty' ? 80 : 110 }}
          onChange={(v) => set(setCell(rows, i, key, v ?? undefined))}
        />
      );
    } else {
      input = (
        <Input
          id={id}
          data-cell={`${i}:${col}`}
          value={typeof value === 'string' ? value : ''}
          disabled={locked}
          status={status}
          style={{ minWidth: 160 }}
          onChange={(e) => set(setCell(rows, i, key, e.target.value))}
        />
      );
    }
    return (
      <div>
        {input}
        {errs.length ? (
          <Typography.Text type="danger" style={{ fontSize: 12 }} data-testid="line-error" data-field={`${i}/${key}`}>
            {errs.join(' ')}
          </Typography.Text>
        ) : null}
      </div>
    );
  };

  const total = rows.reduce((a, r) => a + (lineAmount(r) ?? 0), 0);
  const topErrors = (errorSchema as { __errors?: string[] } | undefined)?.__errors ?? [];

  return (
    <div ref={wrap} onKeyDown={onKeyDown} data-testid="line-items" data-rows={rows.length} style={{ marginBottom: 16 }}>
      <Typography.Text strong style={{ display: 'block', marginBottom: 8 }}>
        {(schema.title as string) || t('lines.title')}
      </Typography.Text>
      <Table<Row & { __i: number }>
        size="small"
        bordered
        pagination={false}
        rowKey="__i"
        scroll={{ x: 'max-content' }}
        dataSource={rows.map((r, i) => ({ ...r, __i: i }))}
        locale={{ emptyText: t('lines.empty') }}
        onRow={(r) => ({ 'data-testid': 'line-row', 'data-index': r.__i }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: '#', key: 'n', width: 40, render: (_, r) => r.__i + 1 },
          ...columns.map((key, col) => ({
            title: itemProps[key]?.title || key,
            key,
            render: (_: unknown, r: Row & { __i: number }) => cell(r, r.__i, key, col),
          })),
          ...(hasAmount
            ? [
                {
                  title: t('lines.amount'),
                  key: '__amount',
                  align: 'right' as const,
                  render: (_: unknown, r: Row) => {
                    const a = lineAmount(r);
                    return (
                      <span data-testid="line-amount" data-value={a ?? ''}>
                        {a === undefined ? '—' : formatMoney(a, lang)}
                      </span>
                    );
                  },
                },
              ]
            : []),
          {
            title: '',
            key: '__actions',
            width: 80,
            render: (_: unknown, r: Row & { __i: number }) => (
              <Space size={0}>
                <Tooltip title={t('lines.copy')}>
                  <Button type="text" size="small" icon={<CopyOutlined />} disabled={locked} onClick={() => set(copyRow(rows, r.__i))} data-testid="line-copy" aria-label={t('lines.copy')} tabIndex={-1} />
                </Tooltip>
                <Tooltip title={t('lines.remove')}>
                  <Button type="text" size="small" danger icon={<DeleteOutlined />} disabled={locked} onClick={() => set(removeRow(rows, r.__i))} data-testid="line-remove" aria-label={t('lines.remove')} tabIndex={-1} />
                </Tooltip>
              </Space>
            ),
          },
        ]}
        summary={() =>
          hasAmount ? (
            <Table.Summary.Row>
              <Table.Summary.Cell index={0} colSpan={columns.length + 1}>
                <Typography.Text type="secondary">{t('lines.liveTotalHint')}</Typography.Text>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={1} align="right">
                <Typography.Text strong data-testid="lines-total" data-value={Math.round(total * 100) / 100}>
                  {formatMoney(Math.round(total * 100) / 100, lang)}
                </Typography.Text>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={2} />
            </Table.Summary.Row>
          ) : null
        }
      />
      {topErrors.length ? <Typography.Text type="danger">{topErrors.join(' ')}</Typography.Text> : null}
      <Button
        id={`${base}__add`}
        icon={<PlusOutlined />}
        type="dashed"
        disabled={locked}
        onClick={() => {
          set(addRow(rows));
          setFocus({ row: rows.length, col: 0 });
        }}
        style={{ marginTop: 8 }}
        data-testid="line-add"
      >
        {t('lines.add')}
      </Button>
    </div>
  );
}
