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

beforeEach(() => {
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } })));
});
afterEach(() => vi.unstubAllGlobals());

describe('NodePanel', () => {
  it('edits the approver role of a review node and shows the server messages', () => {
    const onChange = vi.fn();
    renderWithProviders(
      <NodePanel doc={doc} node={doc.nodes[1]} messages={['"approvers" is wrong']} errors={{ approvers: ['"approvers" is wrong'] }} onChange={onChange} onRename={vi.fn()} onDelete={vi.fn()} />,
    );
    expect(screen.getByTestId('node-panel-errors').textContent).toContain('"approvers" is wrong');
    expect(screen.getByDisplayValue('已核對')).toBeTruthy();
    fireEvent.change(screen.getByTestId('node-approver-role'), { target: { value: 'finance' } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ id: 'check', approvers: { role: 'finance' } }), 'role:check');
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
