-- +goose Up
PRAGMA foreign_keys = off;
CREATE TABLE `action_links` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `task_id` integer NOT NULL, `username` text NOT NULL, `task_version` integer NOT NULL, `channel` text NOT NULL, `channel_id` integer NOT NULL DEFAULT (0), `expires_at` datetime NOT NULL, `used_at` datetime NULL);
CREATE INDEX `actionlink_task_id` ON `action_links` (`task_id`);
CREATE INDEX `actionlink_expires_at` ON `action_links` (`expires_at`);
CREATE TABLE `notify_channels` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `username` text NOT NULL DEFAULT (''), `type` text NOT NULL, `name` text NOT NULL DEFAULT (''), `address` text NOT NULL DEFAULT (''), `to` text NOT NULL DEFAULT (''), `secret` text NOT NULL DEFAULT (''), `kinds` json NOT NULL, `enabled` bool NOT NULL DEFAULT (true), `updated_at` datetime NOT NULL);
CREATE INDEX `notifychannel_username_id` ON `notify_channels` (`username`, `id`);
CREATE TABLE `notify_prefs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `username` text NOT NULL, `channel_id` integer NOT NULL, `kinds` json NOT NULL);
CREATE UNIQUE INDEX `notifypref_username_channel_id` ON `notify_prefs` (`username`, `channel_id`);
CREATE INDEX `notifypref_channel_id` ON `notify_prefs` (`channel_id`);
PRAGMA foreign_keys = on;
