// The public face of the flows feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { useFlowForm } from './api/getFlowForm';
export { useFlows } from './api/listFlows';
