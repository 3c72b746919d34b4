import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { renderWithProviders } from '../../../test/render';
import { changeLanguage } from '../../../i18n';
import { NodePanel } from './NodePanel';
import { EdgePanel } from './EdgePanel';
import type { FlowDoc } from '../lib/document';
import type { PluginInfo } from '../lib/plugins';

const plugins: PluginInfo[] = [
  {
    name: 'inventory.check',
    outcomes: ['ok', 'shortage'],
    settings_schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      description: 'Reserves each order line from stock.',
      properties: { warehouse: { type: 'string', title: 'warehouse', default: 'main' }, policy: { enum: ['block', 'partial'], default: 'block' } },
    },
  },
];

const doc: FlowDoc = {
  kind: 'flow',
  key: 'f',
  form: 'order',
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'inv', type: 'task', plugin: 'inventory.check', settings: { warehouse: 'main', policy: 'block' } },
    { id: 'amount', type: 'switch' },
    { id: 'done', type: 'end', status: 'completed' },
  ],
  edges: [
    { from: 'start', to: 'inv' },
    { from: 'inv', to: 'amount' },
    { from: 'amount', to: 'done', when: 'order.total >' },
  ],
};

afterEach(() => vi.unstubAllGlobals());

describe('plugin node settings', () => {
  it('renders the settings from the plugin schema and edits them', async () => {
    const onChange = vi.fn();
    renderWithProviders(
      <NodePanel
        doc={doc}
        node={doc.nodes[1]}
        plugins={plugins}
        settingsErrors={[{ pointer: '/warehouse', message: 'no such warehouse' }]}
        onChange={onChange}
        onRename={vi.fn()}
        onDelete={vi.fn()}
      />,
    );
    const form = screen.getByTestId('plugin-settings-form');
    // rendering the form is not an edit
    await new Promise((r) => setTimeout(r, 50));
    expect(onChange).not.toHaveBeenCalled();
    expect(screen.getByTestId('node-plugin-outcomes').textContent).toContain('shortage');
    expect(screen.getByText('Reserves each order line from stock.')).toBeTruthy();
    expect(form.textContent).toContain('no such warehouse');
    const input = form.querySelector<HTMLInputElement>('input#root_warehouse')!;
    expect(input.value).toBe('main');
    fireEvent.change(input, { target: { value: 'north' } });
    await waitFor(() =>
      expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ id: 'inv', settings: { warehouse: 'north', policy: 'block' } }), 'settings:inv'),
    );
    expect(screen.queryByTestId('node-settings-json')).toBeNull();
  });

  it('falls back to JSON for a plugin the server does not list', () => {
    renderWithProviders(<NodePanel doc={doc} node={{ ...doc.nodes[1], plugin: 'legacy.fax' }} plugins={plugins} onChange={vi.fn()} onRename={vi.fn()} onDelete={vi.fn()} />);
    expect(screen.getByTestId('node-settings-json')).toBeTruthy();
    expect(screen.queryByTestId('plugin-settings-form')).toBeNull();
  });
});

describe('condition check while typing', () => {
  it('asks the server once typing stops and marks the column it points at', async () => {
    const fetch = vi.fn(async (url: string, init?: RequestInit) => {
      // the condition builder reads the form's fields
      if (!url.includes('/expressions/check')) return new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
      const body = JSON.parse(String(init?.body ?? '{}')) as { form: string; expr: string };
      expect(url).toContain('/api/v1/flows/expressions/check');
      expect(body).toEqual({ form: 'order', expr: 'order.total >' });
      return new Response(JSON.stringify({ ok: false, errors: [{ message: 'unexpected token EOF', position: 13, code: 'definition.expr.invalid' }] }), {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      });
    });
    vi.stubGlobal('fetch', fetch);
    renderWithProviders(<EdgePanel doc={doc} index={2} edge={doc.edges[2]} onChange={vi.fn()} onDelete={vi.fn()} />);
    expect(screen.getByTestId('edge-when-check').dataset.state).toBe('pending');
    await waitFor(() => expect(screen.getByTestId('edge-when-check').dataset.state).toBe('error'), { timeout: 3000 });
    expect(fetch.mock.calls.filter(([u]) => u.includes('/expressions/check'))).toHaveLength(1);
    // the form item's help shows after its motion starts: found, not read at once
    expect(await screen.findByText(/unexpected token EOF/)).toBeTruthy();
    expect(screen.getByTestId('edge-when-mark').querySelector('span')!.textContent).toBe('>');
  });
});

describe('condition check in the UI language', () => {
  afterEach(async () => {
    await changeLanguage('zh-TW', false);
  });

  it("shows the server's message in the language asked, and asks again when the language changes", async () => {
    await changeLanguage('zh-TW', false);
    const said: Record<string, string> = { 'zh-TW': '運算式有誤：unexpected token EOF', en: 'unexpected token EOF' };
    const fetch = vi.fn(async (url: string, init?: RequestInit) => {
      if (!url.includes('/expressions/check')) return new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
      const lang = new Headers(init?.headers).get('Accept-Language') ?? '';
      return new Response(JSON.stringify({ ok: false, errors: [{ message: said[lang] ?? `no ${lang}`, position: 13, code: 'definition.expr.invalid' }] }), {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      });
    });
    vi.stubGlobal('fetch', fetch);
    renderWithProviders(<EdgePanel doc={doc} index={2} edge={doc.edges[2]} onChange={vi.fn()} onDelete={vi.fn()} />);
    expect(await screen.findByText(/運算式有誤：unexpected token EOF/, undefined, { timeout: 3000 })).toBeTruthy();
    await act(() => changeLanguage('en', false));
    await waitFor(() => expect(fetch.mock.calls.filter(([u]) => u.includes('/expressions/check'))).toHaveLength(2));
    expect(await screen.findByText('The condition does not compile: unexpected token EOF')).toBeTruthy();
    expect(screen.queryByText(/運算式有誤/)).toBeNull();
  });
});
