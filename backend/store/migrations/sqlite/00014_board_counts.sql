-- +goose Up
-- The board's counts per column (issue 16 item 1) come from the orders' current nodes on
-- SQLite: grouped by flow version and current nodes within (department, flow, status),
-- one range of this covering index instead of a probe of the orders per open node
-- instance. It widens order_department_flow_key_status (00012), which it replaces.
CREATE INDEX `order_department_flow_key_status_flow_version_current_nodes` ON `orders` (`department`, `flow_key`, `status`, `flow_version`, `current_nodes`);
DROP INDEX `order_department_flow_key_status`;
