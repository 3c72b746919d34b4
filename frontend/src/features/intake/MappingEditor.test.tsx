import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, within } from '@testing-library/react';
import { renderWithProviders } from '../../test/render';
import { MappingEditor } from './MappingEditor';
import { buildMapping, missingFields, outcome, targetsOf, type ImportMapping } from './lib';
import type { ImportPreview } from './api';

const fields: ImportPreview['fields'] = [
  { path: 'customer.name', type: 'string', required: true, title: { 'zh-TW': '客戶名稱', 'zh-CN': '客户名称', en: 'Customer name' } },
  { path: 'currency', type: 'string', required: true, title: '幣別', default: 'TWD' },
  { path: 'promised_date', type: 'string', required: true, title: { 'zh-TW': '承諾交期', en: 'Promised date' } },
  { path: 'note', type: 'string', required: false, title: '備註' },
  { path: 'sku', items: 'items', type: 'string', required: true, title: { 'zh-TW': '料號', en: 'SKU' } },
  { path: 'qty', items: 'items', type: 'integer', required: true, title: { 'zh-TW': '數量', en: 'Qty' } },
];

// what the server suggests for these headers: 交貨日 names no field
const preview: ImportPreview = {
  header: ['訂單編號', '客戶名稱', '交貨日', '料號', '數量'],
  rows: [
    ['PO-1', '高雄順達', '2026/8/15', 'BRG-6204', '50'],
    ['PO-1', '', '', 'BLT-M8-30', '10'],
  ],
  total: 2,
  encoding: 'big5',
  fields,
  mapping: {
    fields: { 'customer.name': '客戶名稱' },
    items: { field: 'items', fields: { sku: '料號', qty: '數量' } },
    group_by: '訂單編號',
    external_ref: '訂單編號',
    values: { currency: 'TWD' },
  },
  missing: [fields[2]],
};

function Harness({ onChange }: { onChange: (m: ImportMapping) => void }) {
  const [m, setM] = useState<ImportMapping>(preview.mapping);
  return (
    <MappingEditor
      preview={preview}
      value={m}
      onChange={(next) => {
        setM(next);
        onChange(next);
      }}
    />
  );
}

const row = (col: string) => document.querySelector(`[data-testid="import-map-row"][data-column="${col}"]`) as HTMLElement;

describe('MappingEditor', () => {
  it('shows each column with its values and the suggested field, lists the unmapped required field, and maps it when chosen', async () => {
    const changes: ImportMapping[] = [];
    renderWithProviders(<Harness onChange={(m) => changes.push(m)} />);
    // each column: its header, its first values, the field the server suggested (labels in zh-TW)
    expect(within(row('客戶名稱')).getByText('高雄順達')).toBeTruthy();
    expect(within(row('客戶名稱')).getByText('客戶名稱 *', { selector: '.ant-select-content-value, .ant-select-selection-item, [title]' })).toBeTruthy();
    expect(within(row('訂單編號')).getByText('PO-1 · PO-1')).toBeTruthy();
    expect(within(row('數量')).getByText('50 · 10')).toBeTruthy();
    // the required field no column fills is named before anything is imported
    const missing = screen.getByTestId('import-missing');
    expect(within(missing).getByText('承諾交期')).toBeTruthy();
    expect(screen.getByText(/固定值：幣別 = TWD/)).toBeTruthy();

    // 交貨日 → 承諾交期: nothing is missing any more
    fireEvent.mouseDown(within(row('交貨日')).getByRole('combobox'));
    fireEvent.click(await screen.findByText('承諾交期 *', { selector: '.ant-select-item-option-content' }));
    expect(screen.queryByTestId('import-missing')).toBeNull();
    expect(screen.getByTestId('import-mapping-complete')).toBeTruthy();
    const last = changes[changes.length - 1];
    expect(last).toEqual({
      fields: { 'customer.name': '客戶名稱', promised_date: '交貨日' },
      items: { field: 'items', fields: { sku: '料號', qty: '數量' } },
      group_by: '訂單編號',
      external_ref: '訂單編號',
      values: { currency: 'TWD' },
    });

    // a field comes from one column: 料號 chosen for 數量 frees the 料號 column, and qty is missing
    fireEvent.mouseDown(within(row('數量')).getByRole('combobox'));
    fireEvent.click(await screen.findAllByText('料號 *', { selector: '.ant-select-item-option-content' }).then((els) => els[els.length - 1]));
    const after = changes[changes.length - 1];
    expect(after.items?.fields).toEqual({ sku: '數量' });
    expect(within(screen.getByTestId('import-missing')).getByText('數量')).toBeTruthy();
  });

  it('labels fields in the user language', () => {
    renderWithProviders(<Harness onChange={vi.fn()} />, { lang: 'en' });
    expect(within(screen.getByTestId('import-missing')).getByText('Promised date')).toBeTruthy();
    expect(screen.getByText('Form field')).toBeTruthy();
  });
});

describe('mapping helpers', () => {
  it('round-trips a mapping through the columns’ targets', () => {
    const t = targetsOf(preview.mapping, preview.header);
    expect(t).toEqual({ 訂單編號: 'ref', 客戶名稱: 'f:customer.name', 交貨日: '', 料號: 'i:sku', 數量: 'i:qty' });
    expect(buildMapping(t, fields, preview.mapping)).toEqual(preview.mapping);
    expect(missingFields(fields, preview.mapping).map((f) => f.path)).toEqual(['promised_date']);
    // a column that now fills a constant's field replaces the constant
    expect(buildMapping({ ...t, 交貨日: 'f:currency' }, fields, preview.mapping).values).toBeUndefined();
  });
  it('calls a job with failed orders failed N of M', () => {
    expect(outcome({ status: 'running', total: 3, failed: 3 })).toBe('running');
    expect(outcome({ status: 'done', total: 3, failed: 0 })).toBe('ok');
    expect(outcome({ status: 'done', total: 3, failed: 1 })).toBe('partial');
    expect(outcome({ status: 'failed', total: 3, failed: 3 })).toBe('failed');
    expect(outcome({ status: 'done', total: 3, failed: 3 })).toBe('failed');
  });
});
