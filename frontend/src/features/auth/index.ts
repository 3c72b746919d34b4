// The public face of the auth feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { useLogout } from './api/logout';
export { saveMyLanguage, useMe } from './api/me';
export { COMPANY_WIDE, PERMISSIONS, type Permission, permissionLabelKey, useForbidden, usePermissions } from './permissions';
