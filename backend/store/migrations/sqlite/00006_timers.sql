-- +goose Up
PRAGMA foreign_keys = off;
CREATE TABLE `timers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `order_id` integer NOT NULL, `task_id` integer NOT NULL, `node` text NOT NULL, `kind` text NOT NULL, `reminder` text NOT NULL DEFAULT (''), `reminder_version` integer NOT NULL DEFAULT (0), `due_at` datetime NOT NULL, `status` text NOT NULL DEFAULT ('pending'), `attempt` integer NOT NULL DEFAULT (1), `fired_at` datetime NULL, `outcome` text NOT NULL DEFAULT (''), `claimed_by` text NOT NULL DEFAULT (''), `claimed_until` datetime NULL);
CREATE INDEX `timer_status_due_at` ON `timers` (`status`, `due_at`);
CREATE INDEX `timer_task_id_status` ON `timers` (`task_id`, `status`);
PRAGMA foreign_keys = on;
