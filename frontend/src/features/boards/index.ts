// The public face of the boards feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { boardKeys, commentKeys } from './api/boards';
export { SlaTag, useNow } from './components/SlaTag';
