import { describe, expect, it } from 'vitest';
import { newFlowDoc } from './document';
import { hasSettingsForm, palettePlugins, pluginDefaults, pluginNode } from './plugins';
import { expressionToCheck, splitAt } from './expression';

const inventory = {
  name: 'inventory.check',
  outcomes: ['ok', 'shortage'],
  settings_schema: {
    type: 'object',
    properties: { warehouse: { type: 'string', default: 'main' }, policy: { enum: ['block', 'partial'], default: 'block' }, max_qty_per_line: { type: 'integer' }, skus: { type: 'array', default: ['a'] } },
  },
};
const notify = { name: 'notify.confirm', outcomes: ['ok'], settings_schema: { type: 'object', properties: { channel: { enum: ['email'] } } } };

describe('plugins in the designer', () => {
  it('starts a node at the schema defaults, copies not shared', () => {
    const d = pluginDefaults(inventory.settings_schema);
    expect(d).toEqual({ warehouse: 'main', policy: 'block', skus: ['a'] });
    (d.skus as string[]).push('b');
    expect(inventory.settings_schema.properties.skus.default).toEqual(['a']);
    expect(pluginDefaults(undefined)).toEqual({});
  });

  it('makes a task node with a fresh id from the plugin name', () => {
    const doc = newFlowDoc('f', 'order');
    const n = pluginNode(doc, inventory);
    expect(n).toEqual({ id: 'inventory_check', type: 'task', plugin: 'inventory.check', settings: { warehouse: 'main', policy: 'block', skus: ['a'] } });
    const again = pluginNode({ ...doc, nodes: [...doc.nodes, n] }, inventory);
    expect(again.id).toBe('inventory_check_2');
  });

  it('lists every registered plugin by name, and keeps one the flow uses that the server lacks', () => {
    const doc = { ...newFlowDoc('f', 'order'), nodes: [{ id: 'x', type: 'task' as const, plugin: 'legacy.fax' }] };
    const p = palettePlugins([notify, inventory], doc);
    expect(p.map((x) => [x.name, !!x.missing])).toEqual([
      ['inventory.check', false],
      ['notify.confirm', false],
      ['legacy.fax', true],
    ]);
    expect(palettePlugins(undefined, newFlowDoc('f', 'order'))).toEqual([]);
  });

  it('renders a form only for a schema with properties', () => {
    expect(hasSettingsForm(inventory.settings_schema)).toBe(true);
    expect(hasSettingsForm({ type: 'object' })).toBe(false);
    expect(hasSettingsForm(undefined)).toBe(false);
  });
});

describe('condition check', () => {
  it('splits around the 1-based column an error points at', () => {
    expect(splitAt('order.total >', 13)).toEqual({ before: 'order.total ', at: '>', after: '' });
    expect(splitAt('a >', 4)).toEqual({ before: 'a >', at: ' ', after: '' });
    expect(splitAt('價格 > x', 2)).toEqual({ before: '價', at: '格', after: ' > x' });
    expect(splitAt('abc', 0)).toBeUndefined();
    expect(splitAt('abc', 9)).toBeUndefined();
  });

  it('does not check an empty condition', () => {
    expect(expressionToCheck(undefined)).toBeUndefined();
    expect(expressionToCheck('  ')).toBeUndefined();
    expect(expressionToCheck('order.total > 1')).toBe('order.total > 1');
  });
});

describe('settings changes', () => {
  it('ignores key order and undefined members, sees real edits', async () => {
    const { settingsChanged } = await import('./plugins');
    expect(settingsChanged({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(false);
    expect(settingsChanged({ a: 1 }, { a: 1, c: undefined })).toBe(false);
    expect(settingsChanged(undefined, {})).toBe(false);
    expect(settingsChanged({ a: 1 }, { a: 2 })).toBe(true);
    expect(settingsChanged({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } })).toBe(false);
  });
});
