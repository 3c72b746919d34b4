-- +goose Up
PRAGMA foreign_keys = off;
CREATE TABLE `order_comments` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `order_id` integer NOT NULL, `author` text NOT NULL, `body` text NOT NULL, `mentions` json NOT NULL, `created_at` datetime NOT NULL);
CREATE INDEX `ordercomment_order_id_created_at` ON `order_comments` (`order_id`, `created_at`);
CREATE TABLE `order_locks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `order_id` integer NOT NULL, `holder` text NOT NULL, `expires_at` datetime NOT NULL);
CREATE UNIQUE INDEX `order_locks_order_id_key` ON `order_locks` (`order_id`);
PRAGMA foreign_keys = on;
