-- +goose Up
PRAGMA foreign_keys = off;
CREATE INDEX `timer_order_id_kind_status` ON `timers` (`order_id`, `kind`, `status`);
PRAGMA foreign_keys = on;
