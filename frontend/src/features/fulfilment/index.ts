// The public face of the fulfilment feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { DocumentsCard, LinkedOrdersCard, OrderExceptionAlert, ShippingCard, useFulfilmentLive } from './OrderOperations';
