// The public face of the notifications feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { notificationKeys } from './api/notifications';
export { LiveBridge } from './components/LiveBridge';
export { NotificationBell } from './components/NotificationBell';
export { useNotifications } from './api/notifications';
