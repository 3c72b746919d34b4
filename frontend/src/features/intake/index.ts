// The public face of the intake feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { ExportButton } from './ExportButton';
export { mappingError } from './lib';
