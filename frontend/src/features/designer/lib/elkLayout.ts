// Auto-layout with elkjs (Eclipse Layout Kernel, layered algorithm): it orders the nodes of
// each layer to cross fewer edges and routes around branches, which the hand-written layered
// layout (layout.ts, still used for a first placement) does not; dagre would do too, but is
// no longer maintained. The bundled build runs in the page, no worker to serve.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { FlowDoc, Positions } from './document';
import { NODE_H, NODE_W } from './layout';

const elk = new ELK();

export async function elkLayout(doc: FlowDoc): Promise<Positions> {
  const ids = [...new Set(doc.nodes.map((n) => n.id))];
  const known = new Set(ids);
  const graph = {
    id: 'flow',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.spacing.nodeNode': '50',
      'elk.layered.spacing.nodeNodeBetweenLayers': '60',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: ids.map((id) => ({ id, width: NODE_W, height: NODE_H })),
    edges: doc.edges
      .filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to)
      .map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  };
  const out = await elk.layout(graph);
  const positions: Positions = {};
  for (const c of out.children ?? []) positions[c.id] = { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) };
  return positions;
}
