-- +goose Up
PRAGMA foreign_keys = off;
PRAGMA foreign_keys = off;
CREATE TABLE `new_import_jobs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `flow_key` text NOT NULL, `filename` text NOT NULL DEFAULT (''), `file_hash` text NOT NULL, `mapping` json NULL, `status` text NOT NULL DEFAULT ('running'), `total` integer NOT NULL DEFAULT (0), `created` integer NOT NULL DEFAULT (0), `skipped` integer NOT NULL DEFAULT (0), `failed` integer NOT NULL DEFAULT (0), `errors` json NULL, `created_by` text NOT NULL DEFAULT (''), `finished_at` datetime NULL, `heartbeat_at` datetime NULL, `encoding` text NOT NULL DEFAULT (''));
INSERT INTO `new_import_jobs` (`id`, `created_at`, `flow_key`, `filename`, `file_hash`, `mapping`, `status`, `total`, `created`, `skipped`, `failed`, `errors`, `created_by`, `finished_at`) SELECT `id`, `created_at`, `flow_key`, `filename`, `file_hash`, `mapping`, `status`, `total`, `created`, `skipped`, `failed`, `errors`, `created_by`, `finished_at` FROM `import_jobs`;
DROP TABLE `import_jobs`;
ALTER TABLE `new_import_jobs` RENAME TO `import_jobs`;
CREATE INDEX `importjob_file_hash` ON `import_jobs` (`file_hash`);
PRAGMA foreign_keys = on;
PRAGMA foreign_keys = on;
