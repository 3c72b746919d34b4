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
      if (url.includes('/users')) return json({ items: [{ username: 'finance2', display_name: '財務二' }, { username: 'manager', display_name: '經理' }] });
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
    fireEvent.change(screen.getByTestId('node-sla-escalate'), { target: { value: '1d' } });
    expect(onSlaChange).toHaveBeenLastCalledWith({ remind_after: '4h', escalate_after: '1d' });
    fireEvent.change(screen.getByTestId('node-sla-auto'), { target: { value: '5d' } });
    expect(onSlaChange).toHaveBeenLastCalledWith({ remind_after: '4h', auto_after: '5d', auto_action: 'return' });
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
