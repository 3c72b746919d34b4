// The public face of the tasks feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { useActOnTask } from './api/actOnTask';
export { taskKeys } from './api/keys';
export { useTasks } from './api/listTasks';
export { TaskActionPanel } from './components/TaskActionPanel';
