// The public face of the opsadmin feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { opsMenuItems, opsMenuKey } from './menu';
