-- +goose Up
PRAGMA foreign_keys = off;
CREATE TABLE `live_tickets` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `hash` text NOT NULL, `session_id` integer NOT NULL, `expires_at` datetime NOT NULL);
CREATE UNIQUE INDEX `live_tickets_hash_key` ON `live_tickets` (`hash`);
CREATE INDEX `liveticket_expires_at` ON `live_tickets` (`expires_at`);
CREATE TABLE `notifications` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `username` text NOT NULL, `type` text NOT NULL, `title` text NOT NULL DEFAULT (''), `order_id` integer NULL, `data` json NOT NULL, `event_seq` integer NOT NULL DEFAULT (0), `read_at` datetime NULL);
CREATE INDEX `notification_username_read_at` ON `notifications` (`username`, `read_at`);
CREATE INDEX `notification_username_created_at` ON `notifications` (`username`, `created_at`);
PRAGMA foreign_keys = on;
