// The public face of the orders feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { useOrder } from './api/getOrder';
export { orderKeys } from './api/keys';
export { OrderForm } from './components/OrderForm';
export { getOrder } from './api/getOrder';
export { getOrderHistory } from './api/getOrderHistory';
export { returnTargets } from './lib/history';
