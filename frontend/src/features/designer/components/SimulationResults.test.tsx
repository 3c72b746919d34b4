import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { renderWithProviders } from '../../../test/render';
import i18n from '../../../i18n';
import { SimulationResults } from './SimulationResults';
import { durationText, dueText, slaLines, type SimulateResponse } from '../lib/simulate';
import type { FlowDoc } from '../lib/document';
import type { SlaDoc } from '../lib/sla';

const doc: FlowDoc = {
  kind: 'flow',
  key: 'f',
  form: 'order',
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'sign', type: 'review', name: { 'zh-TW': '主管會簽', en: 'Managers countersign' }, mode: 'all', approvers: { users: ['manager', 'manager2'] } },
    { id: 'fin', type: 'review', name: { 'zh-TW': '財務覆核', en: 'Finance review' }, mode: 'any', approvers: { role: 'finance', department: 'finance' } },
    { id: 'end', type: 'end', status: 'completed' },
  ],
  edges: [],
};
const sla: SlaDoc = {
  kind: 'reminder',
  key: 'f',
  flow: 'f',
  rules: { sign: { remind_after: '4h', escalate_after: '1d', escalate_to: { manager_levels: 1 } }, fin: { escalate_after: '2d', escalate_to: { role: 'finance', department: 'finance' } } },
};
// 09:00 on 2 March 2026 in Taipei
const at = Date.UTC(2026, 2, 2, 1);
const iso = (hours: number) => new Date(at + hours * 3600_000).toISOString();

const result: SimulateResponse = {
  flow: 'f',
  version: 'draft',
  results: [
    {
      index: 0,
      status: 'in_review',
      path: [
        { node: 'start', type: 'start', status: 'done' },
        { node: 'sign', type: 'review', status: 'done', outcome: 'approved', approvers: ['manager', 'manager2'] },
        { node: 'amount', type: 'switch', status: 'done', outcome: 'fin' },
        { node: 'fin', type: 'review', status: 'active', approvers: ['finance'] },
      ],
      trace: [{ node: 'sign', text: 'approved' }],
      reminders: [
        { node: 'sign', kind: 'remind', after: '4h', due_at: iso(4) },
        { node: 'sign', kind: 'escalate', after: '1d', due_at: iso(24) },
        { node: 'fin', kind: 'escalate', after: '2d', due_at: iso(48), to: ['finance2'], reassign: true, capped: true },
        { node: 'fin', kind: 'auto', after: '5d', due_at: iso(120), action: 'reject' },
      ],
    },
    { index: 1, status: 'completed', path: [{ node: 'start', type: 'start', status: 'done' }], trace: [] },
  ],
};

const json = (v: unknown) => new Response(JSON.stringify(v), { status: 200, headers: { 'Content-Type': 'application/json' } });
beforeEach(() => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url.includes('/definitions/roles')) return json({ items: [{ kind: 'role', key: 'finance', name: { 'zh-TW': '財務', en: 'Finance' } }] });
      if (url.includes('/departments')) return json({ items: [{ key: 'finance', name: { 'zh-TW': '財務部', en: 'Finance dept' } }] });
      if (url.includes('/users')) return json({ items: [{ username: 'finance2', display_name: '財務二' }] });
      return json({ items: [] });
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

describe('simulation SLA texts', () => {
  const t = i18n.getFixedT('en');
  it('says durations in words of the language and keeps what it cannot read', () => {
    expect(durationText('1d12h', t)).toBe('1 d 12 h');
    expect(durationText('30m', i18n.getFixedT('zh-TW'))).toBe('30 分鐘');
    expect(durationText('soon', t)).toBe('soon');
  });

  it('formats due times for the language', () => {
    const en = dueText(iso(4), 'en');
    const zh = dueText(iso(4), 'zh-TW');
    expect(en).toMatch(/2026/);
    expect(en).not.toBe(zh);
    expect(zh).toContain('2026年3月2日');
    expect(dueText('not a time', 'en')).toBe('not a time');
  });

  it('groups timers by node and names whom an escalation reaches, or the rule\'s target when nobody is found', () => {
    const groups = slaLines(result.results[0].reminders, {
      t,
      lang: 'en',
      rule: (n) => sla.rules?.[n],
      who: (u) => `<${u}>`,
      roleText: (r, d) => `${r}@${d}`,
    });
    expect(groups.map((g) => g.node)).toEqual(['sign', 'fin']);
    const [remind, escalate] = groups[0].lines;
    expect(remind.text).toBe(`Remind at ${dueText(iso(4), 'en')} (after 4 h)`);
    expect(escalate.text).toBe(`Escalate at ${dueText(iso(24), 'en')} to ${t('designer.sla.by.manager')}: nobody found now (after 1 d)`);
    expect(groups[1].lines[0]).toEqual({ kind: 'escalate', capped: true, text: `Escalate at ${dueText(iso(48), 'en')} to <finance2>, who take the task over (after 2 d)` });
    expect(groups[1].lines[1].text).toContain(t('designer.sla.action.reject'));
  });
});

describe('SimulationResults', () => {
  it('shows the SLA per node, the statuses and the path in the user\'s language, without raw codes', async () => {
    renderWithProviders(<SimulationResults result={result} doc={doc} sla={sla} selected={0} onSelect={vi.fn()} onClose={vi.fn()} />);
    expect(screen.getByTestId('simulation-status').textContent).toBe('審核中');
    const samples = screen.getByTestId('simulation-samples').textContent ?? '';
    expect(samples).toContain('範例 1 · 審核中');
    expect(samples).toContain('範例 2 · 已完成');
    expect(samples).not.toContain('in_review');
    const path = screen.getByTestId('simulation-path').textContent ?? '';
    expect(path).toContain('主管會簽 (manager, manager2) → 已核准');
    // a switch's way out is the node it goes to, by name
    expect(path).toContain('amount → 財務覆核');
    const nodes = screen.getAllByTestId('sim-sla-node');
    expect(nodes.map((n) => n.getAttribute('data-node'))).toEqual(['sign', 'fin']);
    expect(nodes[0].textContent).toContain('主管會簽');
    const lines = screen.getAllByTestId('sim-sla-line');
    expect(lines.map((l) => l.getAttribute('data-kind'))).toEqual(['remind', 'escalate', 'escalate', 'auto']);
    expect(lines[0].textContent).toBe(`${dueText(iso(4), 'zh-TW')} 提醒（4 小時後）`);
    expect(lines[1].textContent).toBe(`${dueText(iso(24), 'zh-TW')} 升級給 處理人的主管，目前找不到人（1 天後）`);
    // a person is named as the directory has them, once the list is in
    await waitFor(() => expect(lines[2].textContent).toContain('財務二 (finance2)'));
    expect(lines[2].textContent).toContain('依交期提前');
  });

  it('says so when no node on the path has an SLA', () => {
    renderWithProviders(<SimulationResults result={result} doc={doc} selected={1} onSelect={vi.fn()} onClose={vi.fn()} />, { lang: 'en' });
    expect(screen.getByTestId('simulation-sla').textContent).toContain('No review node on the path has an SLA');
    expect(screen.getByTestId('simulation-status').textContent).toBe('Completed');
  });
});
