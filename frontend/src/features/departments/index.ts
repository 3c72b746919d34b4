// The public face of the departments feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { useDepartmentName, useDepartments } from './api/listDepartments';
