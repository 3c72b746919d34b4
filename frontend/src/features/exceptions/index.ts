// The public face of the exceptions feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { DeadlineCountdown } from './DeadlineCountdown';
export { exceptionKeys, useExceptions } from './api';
export { reasonColor } from './lib';
