-- +goose Up
PRAGMA foreign_keys = off;
PRAGMA foreign_keys = off;
CREATE TABLE `new_node_instances` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `order_id` integer NOT NULL, `node_id` text NOT NULL, `node_type` text NOT NULL, `status` text NOT NULL, `mode` text NOT NULL DEFAULT (''), `required` integer NOT NULL DEFAULT (0), `pool` integer NOT NULL DEFAULT (0), `approvals` integer NOT NULL DEFAULT (0), `rejections` integer NOT NULL DEFAULT (0), `queue` json NULL, `after` json NULL, `return_to` text NOT NULL DEFAULT (''), `department` text NOT NULL DEFAULT (''), `version` integer NOT NULL DEFAULT (1), `ended_at` datetime NULL);
INSERT INTO `new_node_instances` (`id`, `created_at`, `order_id`, `node_id`, `node_type`, `status`, `mode`, `required`, `approvals`, `rejections`, `department`, `version`, `ended_at`) SELECT `id`, `created_at`, `order_id`, `node_id`, `node_type`, `status`, `mode`, `required`, `approvals`, `rejections`, `department`, `version`, `ended_at` FROM `node_instances`;
DROP TABLE `node_instances`;
ALTER TABLE `new_node_instances` RENAME TO `node_instances`;
CREATE INDEX `nodeinstance_order_id_status` ON `node_instances` (`order_id`, `status`);
CREATE TABLE `new_tasks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `order_id` integer NOT NULL, `node_instance_id` integer NOT NULL, `node_id` text NOT NULL, `department` text NOT NULL DEFAULT (''), `assignees` json NOT NULL, `status` text NOT NULL DEFAULT ('open'), `kind` text NOT NULL DEFAULT ('review'), `parent_id` integer NULL, `granted` bool NOT NULL DEFAULT (false), `comment` text NOT NULL DEFAULT (''), `urged_at` datetime NULL, `seen` json NULL, `fingerprint` text NOT NULL DEFAULT (''), `decision` text NOT NULL DEFAULT (''), `decided_by` text NOT NULL DEFAULT (''), `decided_at` datetime NULL, `version` integer NOT NULL DEFAULT (1));
INSERT INTO `new_tasks` (`id`, `created_at`, `order_id`, `node_instance_id`, `node_id`, `department`, `assignees`, `status`, `decision`, `decided_by`, `decided_at`, `version`) SELECT `id`, `created_at`, `order_id`, `node_instance_id`, `node_id`, `department`, `assignees`, `status`, `decision`, `decided_by`, `decided_at`, `version` FROM `tasks`;
DROP TABLE `tasks`;
ALTER TABLE `new_tasks` RENAME TO `tasks`;
CREATE INDEX `task_order_id_status` ON `tasks` (`order_id`, `status`);
CREATE INDEX `task_status` ON `tasks` (`status`);
PRAGMA foreign_keys = on;
PRAGMA foreign_keys = on;
