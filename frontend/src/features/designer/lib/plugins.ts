// Automatic node types come from the server (GET /api/v1/plugins): each plugin's name, the JSON Schema of its
// settings and the outcomes it may return. The palette lists them; a dropped plugin becomes a task node.
import type { FlowDoc, FlowNode } from './document';
import { uniqueNodeId } from './document';

export interface PluginInfo {
  name: string;
  settings_schema: Record<string, unknown>;
  outcomes: string[];
}

/** The settings a new node of the plugin starts with: the `default` of each top-level property that has one. */
export function pluginDefaults(schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const props = schema?.properties;
  const out: Record<string, unknown> = {};
  if (!props || typeof props !== 'object') return out;
  for (const [k, v] of Object.entries(props as Record<string, unknown>)) {
    if (v && typeof v === 'object' && 'default' in v) out[k] = structuredClone((v as { default: unknown }).default);
  }
  return out;
}

/** A node id from a plugin name: inventory.check → inventory_check (then inventory_check_2 …). */
export function pluginNodeId(doc: FlowDoc, plugin: string): string {
  return uniqueNodeId(doc, plugin.toLowerCase().replace(/[^a-z0-9_-]+/g, '_'));
}

/** A task node running `plugin`, its settings at the schema's defaults. */
export function pluginNode(doc: FlowDoc, plugin: PluginInfo): FlowNode {
  return { id: pluginNodeId(doc, plugin.name), type: 'task', plugin: plugin.name, settings: pluginDefaults(plugin.settings_schema) };
}

/** The plugins for the palette, by name; a plugin the flow uses that the server no longer has is kept (marked missing). */
export function palettePlugins(plugins: PluginInfo[] | undefined, doc: FlowDoc): (PluginInfo & { missing?: boolean })[] {
  const out: (PluginInfo & { missing?: boolean })[] = [...(plugins ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const known = new Set(out.map((p) => p.name));
  for (const n of doc.nodes) {
    if (n.type === 'task' && n.plugin && !known.has(n.plugin)) {
      known.add(n.plugin);
      out.push({ name: n.plugin, settings_schema: {}, outcomes: [], missing: true });
    }
  }
  return out;
}

/** Whether a settings schema has anything to render as a form. */
export function hasSettingsForm(schema: Record<string, unknown> | undefined): boolean {
  const props = schema?.properties;
  return !!props && typeof props === 'object' && Object.keys(props).length > 0;
}

/** JSON with object keys sorted: two values are the same settings when these are equal (undefined members dropped). */
export function canonicalJSON(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/** Whether the settings a form reports differ from the node's (rjsf reports its data on mount too). */
export function settingsChanged(before: Record<string, unknown> | undefined, after: Record<string, unknown>): boolean {
  return canonicalJSON(before ?? {}) !== canonicalJSON(after);
}
