-- +goose Up
PRAGMA foreign_keys = off;
ALTER TABLE `import_jobs` ADD COLUMN `heartbeat_at` datetime NULL;
PRAGMA foreign_keys = on;
