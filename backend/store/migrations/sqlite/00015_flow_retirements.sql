-- +goose Up
-- A retired flow starts no new orders (issue 18 item 6); restoring it deletes its row.
CREATE TABLE `flow_retirements` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `flow_key` text NOT NULL, `retired_by` text NOT NULL DEFAULT (''));
CREATE UNIQUE INDEX `flow_retirements_flow_key_key` ON `flow_retirements` (`flow_key`);
