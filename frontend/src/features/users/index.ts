// The public face of the users feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { useUsers } from './api/listUsers';
