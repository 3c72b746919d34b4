import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen } from '@testing-library/react';
import { renderWithProviders } from '../../../test/render';
import { NodePanel } from './NodePanel';
import { EdgePanel } from './EdgePanel';
import type { FlowDoc } from '../lib/document';

const doc: FlowDoc = {
  kind: 'flow',
  key: 'f',
  form: 'order',
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'check', type: 'review', mode: 'any', approvers: { role: 'clerk' }, checklist: [{ 'zh-TW': '已核對' }] },
    { id: 'done', type: 'end', status: 'completed' },
  ],
  edges: [
    { from: 'start', to: 'check' },
    { from: 'check', to: 'done' },
  ],
};

const json = (v: unknown) => new Response(JSON.stringify(v), { status: 200, headers: { 'Content-Type': 'application/json' } });

beforeEach(() => {
  // the pickers' lists, as the server gives them
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url.includes('/definitions/roles')) return json({ items: [{ kind: 'role', key: 'finance', name: { 'zh-TW': '財務', en: 'Finance' } }, { kind: 'role', key: 'clerk', name: { 'zh-TW': '文員' } }] });
      if (url.includes('/users'))
        return json({
          items: [
            { username: 'finance2', display_name: '財務二', memberships: [{ role: 'finance', department: 'finance' }] },
            { username: 'manager', display_name: '經理', memberships: [{ role: 'clerk', department: 'sales' }] },
          ],
        });
      if (url.includes('/departments')) return json({ items: [{ key: 'finance', name: { 'zh-TW': '財務部' } }, { key: 'sales', name: { 'zh-TW': '業務部' } }] });
      if (url.includes('/definitions/forms/order')) return json({ kind: 'form', key: 'order', version: 1, status: 'published', body: { schema: { properties: { total: { type: 'number', title: '合計' }, note: { type: 'string', title: '備註' } } } } });
      return json({ items: [] });
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

describe('NodePanel', () => {
  it('picks the approver role from the server\'s roles and shows the server messages', async () => {
    const onChange = vi.fn();
    renderWithProviders(
      <NodePanel doc={doc} node={doc.nodes[1]} messages={['"approvers" is wrong']} errors={{ approvers: ['"approvers" is wrong'] }} onChange={onChange} onRename={vi.fn()} onDelete={vi.fn()} />,
    );
    expect(screen.getByTestId('node-panel-errors').textContent).toContain('"approvers" is wrong');
    expect(screen.getByDisplayValue('已核對')).toBeTruthy();
    const role = screen.getByTestId('node-approver-role');
    fireEvent.mouseDown(role.querySelector('input') ?? role);
    fireEvent.change(role.querySelector('input')!, { target: { value: '財務' } });
    fireEvent.click(await screen.findByTitle('財務 (finance)'));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ id: 'check', approvers: { role: 'finance' } }), undefined);
  });

  it('edits the SLA of a review node on its panel', () => {
    const onSlaChange = vi.fn();
    renderWithProviders(<NodePanel doc={doc} node={doc.nodes[1]} onChange={vi.fn()} onRename={vi.fn()} onDelete={vi.fn()} sla={{ remind_after: '4h' }} onSlaChange={onSlaChange} errors={{ sla: ['role "x" does not exist'] }} />);
    expect(screen.getByTestId('node-sla-errors').textContent).toContain('role "x" does not exist');
    // an escalation first set goes to the manager
    fireEvent.change(screen.getByTestId('node-sla-escalate'), { target: { value: '1d' } });
    expect(onSlaChange).toHaveBeenLastCalledWith({ remind_after: '4h', escalate_after: '1d', escalate_to: { manager_levels: 1 } });
    fireEvent.change(screen.getByTestId('node-sla-auto'), { target: { value: '5d' } });
    expect(onSlaChange).toHaveBeenLastCalledWith({ remind_after: '4h', auto_after: '5d', auto_action: 'return' });
  });

  it('offers the usual SLA in one click on a node without one', () => {
    const onSlaChange = vi.fn();
    renderWithProviders(<NodePanel doc={doc} node={doc.nodes[1]} onChange={vi.fn()} onRename={vi.fn()} onDelete={vi.fn()} onSlaChange={onSlaChange} />);
    fireEvent.click(screen.getByTestId('node-sla-suggest'));
    expect(onSlaChange).toHaveBeenLastCalledWith({ remind_after: '4h', escalate_after: '1d', escalate_to: { manager_levels: 1 } });
  });

  it('sets the review mode in one click and role and department at once, from who holds them', async () => {
    const onChange = vi.fn();
    renderWithProviders(<NodePanel doc={doc} node={doc.nodes[1]} onChange={onChange} onRename={vi.fn()} onDelete={vi.fn()} />);
    const all = screen.getByTestId('node-mode-all');
    fireEvent.click(all.tagName === 'INPUT' ? all : all.querySelector('input')!);
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ id: 'check', mode: 'all' }), undefined);
    const pair = screen.getByTestId('node-approver-pair');
    fireEvent.mouseDown(pair.querySelector('input') ?? pair);
    fireEvent.click(await screen.findByTitle('財務 (finance) · 財務部 (finance)：finance2'));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ id: 'check', approvers: { role: 'finance', department: 'finance' } }), undefined);
  });

  it("makes a new node's id from its English name when the names are left, and not an id the admin typed", () => {
    const onRename = vi.fn();
    const node = { id: 'review_2', type: 'review' as const, mode: 'any' as const, approvers: {}, name: { 'zh-TW': '財務覆核', en: 'Finance review' } };
    const { unmount } = renderWithProviders(<NodePanel doc={{ ...doc, nodes: [...doc.nodes, node] }} node={node} autoId onChange={vi.fn()} onRename={onRename} onDelete={vi.fn()} />);
    expect(screen.getByText('依英文名稱自動產生，也可自行輸入')).toBeTruthy();
    fireEvent.blur(screen.getByTestId('node-name-en'));
    expect(onRename).toHaveBeenCalledWith('finance_review', true);
    unmount();
    onRename.mockClear();
    renderWithProviders(<NodePanel doc={{ ...doc, nodes: [...doc.nodes, node] }} node={node} onChange={vi.fn()} onRename={onRename} onDelete={vi.fn()} />);
    fireEvent.blur(screen.getByTestId('node-name-en'));
    expect(onRename).not.toHaveBeenCalled();
  });

  it('renames on blur only', () => {
    const onRename = vi.fn();
    renderWithProviders(<NodePanel doc={doc} node={doc.nodes[2]} onChange={vi.fn()} onRename={onRename} onDelete={vi.fn()} />);
    const input = screen.getByTestId('node-id');
    fireEvent.change(input, { target: { value: 'finished' } });
    expect(onRename).not.toHaveBeenCalled();
    fireEvent.blur(input);
    expect(onRename).toHaveBeenCalledWith('finished');
  });
});

describe('EdgePanel', () => {
  it("writes a switch edge's condition from field and value as soon as it is whole", async () => {
    const onChange = vi.fn();
    const sw: FlowDoc = { ...doc, nodes: [...doc.nodes, { id: 'amount', type: 'switch' }], edges: [{ from: 'amount', to: 'done' }] };
    renderWithProviders(<EdgePanel doc={sw} index={0} edge={sw.edges[0]} onChange={onChange} onDelete={vi.fn()} />);
    const field = screen.getByTestId('edge-cond-field');
    fireEvent.mouseDown(field.querySelector('input') ?? field);
    fireEvent.click(await screen.findByTitle('合計 (total)'));
    expect(onChange).not.toHaveBeenCalled(); // a number needs its value
    const value = screen.getByTestId('edge-cond-value');
    fireEvent.change(value.tagName === 'INPUT' ? value : value.querySelector('input')!, { target: { value: '50000' } });
    expect(onChange).toHaveBeenLastCalledWith({ from: 'amount', to: 'done', when: 'order.total >= 50000' }, 'when:0');
  });

  it('sets a condition and the default flag', () => {
    const onChange = vi.fn();
    renderWithProviders(<EdgePanel doc={doc} index={1} edge={doc.edges[1]} errors={{ when: ['unknown field'] }} onChange={onChange} onDelete={vi.fn()} />);
    expect(screen.getByText('unknown field')).toBeTruthy();
    fireEvent.change(screen.getByTestId('edge-when'), { target: { value: 'order.total >= 1' } });
    expect(onChange).toHaveBeenLastCalledWith({ from: 'check', to: 'done', when: 'order.total >= 1' }, 'when:1');
    const box = screen.getByTestId('edge-default');
    fireEvent.click(box.tagName === 'INPUT' ? box : box.querySelector('input')!);
    expect(onChange).toHaveBeenLastCalledWith({ from: 'check', to: 'done', default: true }, undefined);
  });
});
