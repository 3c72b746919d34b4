// The public face of the notification channels feature (a person's channels and the company's). Its page is
// mounted lazily by the app root (src/App.tsx), which imports the page module directly.
export { KINDS as NOTIFY_KINDS } from './api';
