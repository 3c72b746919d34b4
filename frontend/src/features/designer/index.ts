// The public face of the designer feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { NODE_COLORS } from './components/FlowNodeView';
export { type FlowDoc, type FlowEdge, type FlowNode, type Text, docToGraph } from './lib/document';
export { NODE_W, layoutDoc } from './lib/layout';
