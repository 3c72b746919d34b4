import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '../../../test/render';
import { problemTarget } from '../lib/errors';
import type { FlowDoc } from '../lib/document';
import { ProblemList } from './ProblemList';

const body: FlowDoc = {
  kind: 'flow',
  key: 'f',
  form: 'order',
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'check', type: 'review', approvers: { role: 'nope' } },
    { id: 'amount', type: 'switch' },
    { id: 'done', type: 'end' },
  ],
  edges: [
    { from: 'start', to: 'check' },
    { from: 'check', to: 'amount' },
    { from: 'amount', to: 'done', when: 'order.totl > 1' },
    { from: 'amount', to: 'done', default: true },
  ],
};

const problems = [
  { pointer: '/nodes/1/mode', message: '"mode" is required' },
  { pointer: '/nodes/1/approvers/role', message: 'role "nope" does not exist' },
  { pointer: '/edges/2/when', message: 'unknown field "totl"' },
];

describe('problem list', () => {
  it('says where each pointer is on the canvas', () => {
    expect(problemTarget('/nodes/1/approvers/role', body)).toEqual({ kind: 'node', id: 'check' });
    expect(problemTarget('/edges/2/when', body)).toEqual({ kind: 'edge', edge: body.edges[2] });
    expect(problemTarget('/form', body)).toBeUndefined();
    expect(problemTarget('/nodes/9', body)).toBeUndefined();
  });

  it('lists every problem at once and jumps to each, by click and by next / previous', () => {
    const onJump = vi.fn();
    renderWithProviders(<ProblemList problems={problems} describe={(p) => `at ${p}`} onJump={onJump} onClose={() => undefined} />, { lang: 'en' });
    const items = screen.getAllByTestId('designer-error');
    expect(items.map((li) => li.getAttribute('data-pointer'))).toEqual(problems.map((p) => p.pointer));
    expect(screen.getByTestId('designer-errors-title').textContent).toContain('3');
    expect(items[2].textContent).toContain('at /edges/2/when');

    fireEvent.click(screen.getAllByTestId('designer-error-jump')[2]);
    expect(onJump).toHaveBeenLastCalledWith(problems[2]);
    expect(items[2].getAttribute('data-current')).toBe('true');
    fireEvent.click(screen.getByTestId('designer-error-next')); // wraps round to the first
    expect(onJump).toHaveBeenLastCalledWith(problems[0]);
    fireEvent.click(screen.getByTestId('designer-error-prev'));
    expect(onJump).toHaveBeenLastCalledWith(problems[2]);
    fireEvent.click(screen.getByTestId('designer-error-next'));
    fireEvent.click(screen.getByTestId('designer-error-next'));
    expect(onJump).toHaveBeenLastCalledWith(problems[1]);
    expect(screen.getAllByTestId('designer-error')[1].getAttribute('data-current')).toBe('true');
  });
});
