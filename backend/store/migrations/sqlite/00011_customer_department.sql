-- +goose Up
PRAGMA foreign_keys = off;
PRAGMA foreign_keys = off;
CREATE TABLE `new_customers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `code` text NOT NULL, `name` text NOT NULL DEFAULT (''), `email` text NOT NULL DEFAULT (''), `language` text NOT NULL DEFAULT ('zh-TW'), `webhook_url` text NOT NULL DEFAULT (''), `blocked` bool NOT NULL DEFAULT (false), `blocked_reason` text NOT NULL DEFAULT (''), `credit_limit` real NOT NULL DEFAULT (0), `address` text NOT NULL DEFAULT (''), `department` text NOT NULL DEFAULT (''));
INSERT INTO `new_customers` (`id`, `created_at`, `code`, `name`, `email`, `language`, `webhook_url`, `blocked`, `blocked_reason`, `credit_limit`, `address`) SELECT `id`, `created_at`, `code`, `name`, `email`, `language`, `webhook_url`, `blocked`, `blocked_reason`, `credit_limit`, `address` FROM `customers`;
DROP TABLE `customers`;
ALTER TABLE `new_customers` RENAME TO `customers`;
CREATE UNIQUE INDEX `customers_code_key` ON `customers` (`code`);
PRAGMA foreign_keys = on;
PRAGMA foreign_keys = on;
