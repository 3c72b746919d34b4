import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen } from '@testing-library/react';
import { renderWithProviders } from '../../../test/render';
import { FlowCheckPanel } from './FlowCheckPanel';
import { readRefusal } from '../lib/flowcheck';
import { nested, refused } from '../lib/flowcheck.fixtures';

const refusal = readRefusal(refused, nested)!;

describe('FlowCheckPanel', () => {
  it('says why in the user’s language, where, and lists the steps from the start by node name', () => {
    renderWithProviders(<FlowCheckPanel refusal={refusal} doc={nested} onSelect={vi.fn()} onClose={vi.fn()} />);
    expect(screen.getByTestId('flowcheck-reason').textContent).toContain('流程引擎無法執行');
    expect(screen.getByTestId('flowcheck-place').textContent).toBe('位置：節點「oj」');
    // the raw code never shows; the server's words are secondary
    expect(screen.getByTestId('flowcheck-panel').textContent).not.toContain('flow_engine_error');
    expect(screen.getByTestId('flowcheck-detail').textContent).toContain('reached without its fork');
    const steps = screen.getAllByTestId('flowcheck-step').map((s) => s.textContent);
    expect(steps).toEqual(['送出訂單 → outer、inner、業務審核、a2、b', '業務審核 駁回 → 重做', '重做 核准']);
  });

  it('speaks English and Simplified Chinese too, with conditions, plugin outcomes and who decided', () => {
    const r = readRefusal(
      {
        code: 'flow_stranded',
        errors: [{ pointer: '/edges/8', message: 'stuck' }],
        counterexample: [
          { action: 'approve@before', node: 'a1', choices: [{ node: 'b', edge: '/edges/8', value: 'true' }, { node: 'a2', value: 'failure' }], nodes: ['ij'], edges: [] },
          { action: 'resume', node: 'b', outcome: 'rejected', nodes: [], edges: [] },
          { action: 'return', node: 'rework', target: 'a1', nodes: ['a1'], edges: [] },
        ],
      },
      nested,
    )!;
    const { unmount } = renderWithProviders(<FlowCheckPanel refusal={r} doc={nested} onSelect={vi.fn()} onClose={vi.fn()} />, { lang: 'en' });
    expect(screen.getByTestId('flowcheck-reason').textContent).toContain('can get stuck');
    expect(screen.getByTestId('flowcheck-place').textContent).toBe('Where: the line b → oj');
    expect(screen.getAllByTestId('flowcheck-step').map((s) => s.textContent)).toEqual([
      'Sales review approves (the added signer) (the line b → oj holds, a2 fails) → ij',
      'The sub-flow b ends: Rejected → nothing further',
      'Rework returns it to Sales review → Sales review',
    ]);
    unmount();
    renderWithProviders(<FlowCheckPanel refusal={r} doc={nested} onSelect={vi.fn()} onClose={vi.fn()} />, { lang: 'zh-CN' });
    expect(screen.getAllByTestId('flowcheck-step')[2].textContent).toBe('重做 退回至 业务审核 → 业务审核');
  });

  it('selects a step on click, and the whole route again on a second click', () => {
    const onSelect = vi.fn();
    const { rerender } = renderWithProviders(<FlowCheckPanel refusal={refusal} doc={nested} onSelect={onSelect} onClose={vi.fn()} />);
    fireEvent.click(screen.getAllByTestId('flowcheck-step')[1]);
    expect(onSelect).toHaveBeenLastCalledWith(1);
    rerender(<FlowCheckPanel refusal={refusal} doc={nested} selected={1} onSelect={onSelect} onClose={vi.fn()} />);
    expect(screen.getAllByTestId('flowcheck-step').map((s) => s.getAttribute('data-active'))).toEqual(['false', 'true', 'false']);
    fireEvent.click(screen.getAllByTestId('flowcheck-step')[1]);
    expect(onSelect).toHaveBeenLastCalledWith(undefined);
  });
});
