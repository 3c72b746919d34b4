-- +goose Up
PRAGMA foreign_keys = off;
PRAGMA foreign_keys = off;
CREATE TABLE `new_users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `username` text NOT NULL, `display_name` text NOT NULL DEFAULT (''), `email` text NOT NULL DEFAULT (''), `password_hash` text NOT NULL, `is_admin` bool NOT NULL DEFAULT (false), `disabled` bool NOT NULL DEFAULT (false), `locale` text NOT NULL DEFAULT ('zh-TW'), `language` text NOT NULL DEFAULT (''), `manager_id` integer NULL);
INSERT INTO `new_users` (`id`, `created_at`, `username`, `display_name`, `email`, `password_hash`, `is_admin`, `disabled`, `locale`, `manager_id`) SELECT `id`, `created_at`, `username`, `display_name`, `email`, `password_hash`, `is_admin`, `disabled`, `locale`, `manager_id` FROM `users`;
DROP TABLE `users`;
ALTER TABLE `new_users` RENAME TO `users`;
CREATE UNIQUE INDEX `users_username_key` ON `users` (`username`);
PRAGMA foreign_keys = on;
PRAGMA foreign_keys = on;
