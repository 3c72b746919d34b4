// A simple layered layout: layer = longest path from the start node (back edges ignored),
// nodes of a layer side by side, layers top to bottom.
import type { FlowDoc, Positions } from './document';

export const NODE_W = 200;
export const NODE_H = 64;
const GAP_X = 60;
const GAP_Y = 70;

export function layoutDoc(doc: FlowDoc): Positions {
  const ids = doc.nodes.map((n) => n.id);
  const out = new Map<string, string[]>();
  for (const id of ids) out.set(id, []);
  for (const e of doc.edges) if (out.has(e.from) && out.has(e.to)) out.get(e.from)!.push(e.to);

  // DFS from the start (then from any unvisited node) to find back edges
  const back = new Set<string>();
  const state = new Map<string, 1 | 2>();
  const order: string[] = [];
  const visit = (id: string) => {
    state.set(id, 1);
    for (const to of out.get(id)!) {
      const s = state.get(to);
      if (s === 1) back.add(`${id}>${to}`);
      else if (!s) visit(to);
    }
    state.set(id, 2);
    order.push(id);
  };
  const start = doc.nodes.find((n) => n.type === 'start')?.id;
  if (start) visit(start);
  for (const id of ids) if (!state.has(id)) visit(id);
  order.reverse(); // topological order of the graph without back edges

  const layer = new Map<string, number>();
  for (const id of order) layer.set(id, layer.get(id) ?? 0);
  for (const id of order) {
    for (const to of out.get(id)!) {
      if (back.has(`${id}>${to}`)) continue;
      layer.set(to, Math.max(layer.get(to) ?? 0, layer.get(id)! + 1));
    }
  }

  // an end that nothing reaches yet (a new flow's) waits below everything else, where the flow will end
  const bottom = Math.max(0, ...[...layer.values()]) + 1;
  for (const n of doc.nodes) if (n.type === 'end' && !doc.edges.some((e) => e.to === n.id && e.from !== n.id)) layer.set(n.id, bottom);

  // a branch that an edge skips (u → … → v with an edge u → v over it) moves one column to the right,
  // so the skipping edge runs straight down the main column instead of through the branch
  const fwd = (id: string) => out.get(id)!.filter((to) => !back.has(`${id}>${to}`));
  const reach = (from: string) => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length)
      for (const to of fwd(stack.pop()!))
        if (!seen.has(to)) {
          seen.add(to);
          stack.push(to);
        }
    return seen;
  };
  const reachable = new Map(ids.map((id) => [id, reach(id)]));
  const col = new Map<string, number>(ids.map((id) => [id, 0]));
  const skips = doc.edges
    .filter((e) => out.has(e.from) && out.has(e.to) && !back.has(`${e.from}>${e.to}`) && layer.get(e.to)! - layer.get(e.from)! > 1)
    .sort((a, b) => layer.get(a.from)! - layer.get(b.from)!);
  for (const e of skips) {
    const lo = layer.get(e.from)!;
    const hi = layer.get(e.to)!;
    for (const w of reachable.get(e.from)!) {
      const l = layer.get(w)!;
      if (l > lo && l < hi && reachable.get(w)!.has(e.to)) col.set(w, Math.max(col.get(w)!, col.get(e.from)! + 1));
    }
  }

  const rows = new Map<number, string[]>();
  for (const id of ids) {
    const l = layer.get(id) ?? 0;
    if (!rows.has(l)) rows.set(l, []);
    rows.get(l)!.push(id);
  }
  const positions: Positions = {};
  for (const [l, row] of rows) {
    row.sort((a, b) => col.get(a)! - col.get(b)!);
    let x = -Infinity;
    for (const id of row) {
      x = Math.max(col.get(id)! * (NODE_W + GAP_X), x + NODE_W + GAP_X);
      positions[id] = { x, y: l * (NODE_H + GAP_Y) };
    }
  }
  return positions;
}

const GATEWAYS = new Set(['switch', 'parallel', 'inclusive']);

/**
 * Positions with node `id` placed after node `after` (a node dropped onto another): a row below it,
 * beside the ways out it already has (a gateway's branches go to the side, so that its main line runs
 * straight down); what is in the way, and what is below it in that column, moves down a row.
 */
export function attachBelow(doc: FlowDoc, positions: Positions, after: string, id: string): Positions {
  const from = positions[after] ?? { x: 0, y: 0 };
  const kids = doc.edges.filter((e) => e.from === after && e.to !== id).length;
  const type = doc.nodes.find((n) => n.id === after)?.type ?? '';
  const col = GATEWAYS.has(type) ? kids + 1 : kids;
  const at = { x: from.x + col * (NODE_W + GAP_X), y: from.y + NODE_H + GAP_Y };
  const out: Positions = { ...positions, [id]: at };
  const sameColumn = (p: { x: number }) => p.x < at.x + NODE_W && p.x + NODE_W > at.x;
  const inTheWay = Object.entries(positions).some(([k, p]) => k !== id && sameColumn(p) && p.y < at.y + NODE_H && p.y + NODE_H > at.y);
  if (!inTheWay) return out;
  for (const [k, p] of Object.entries(positions)) {
    if (k === id || k === after || !sameColumn(p) || p.y + NODE_H <= at.y) continue;
    out[k] = { x: p.x, y: p.y + NODE_H + GAP_Y };
  }
  return out;
}
