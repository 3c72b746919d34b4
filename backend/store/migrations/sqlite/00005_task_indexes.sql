-- +goose Up
PRAGMA foreign_keys = off;
CREATE INDEX `task_node_instance_id_status` ON `tasks` (`node_instance_id`, `status`);
CREATE INDEX `task_decided_by` ON `tasks` (`decided_by`);
PRAGMA foreign_keys = on;
