-- +goose Up
PRAGMA foreign_keys = off;
CREATE TABLE `products` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `sku` text NOT NULL, `name` text NOT NULL DEFAULT (''), `unit` text NOT NULL DEFAULT (''), `price` real NOT NULL DEFAULT (0), `low_stock` integer NOT NULL DEFAULT (10));
CREATE UNIQUE INDEX `products_sku_key` ON `products` (`sku`);
CREATE TABLE `reservations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `order_id` integer NOT NULL, `sku` text NOT NULL, `warehouse` text NOT NULL, `qty` integer NOT NULL, `status` text NOT NULL DEFAULT ('held'), `ended_at` datetime NULL, CONSTRAINT `reservation_qty_positive` CHECK (qty > 0));
CREATE INDEX `reservation_order_id_status` ON `reservations` (`order_id`, `status`);
CREATE INDEX `reservation_sku_warehouse_status` ON `reservations` (`sku`, `warehouse`, `status`);
CREATE TABLE `stocks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `sku` text NOT NULL, `warehouse` text NOT NULL, `on_hand` integer NOT NULL DEFAULT (0), `reserved` integer NOT NULL DEFAULT (0), `updated_at` datetime NOT NULL, CONSTRAINT `stock_on_hand_covers` CHECK (on_hand >= reserved), CONSTRAINT `stock_reserved_nonnegative` CHECK (reserved >= 0));
CREATE UNIQUE INDEX `stock_sku_warehouse` ON `stocks` (`sku`, `warehouse`);
CREATE TABLE `stock_moves` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `sku` text NOT NULL, `warehouse` text NOT NULL, `delta_on_hand` integer NOT NULL, `delta_reserved` integer NOT NULL, `kind` text NOT NULL, `order_id` integer NULL, `note` text NOT NULL DEFAULT (''), `at` datetime NOT NULL);
CREATE INDEX `stockmove_sku_warehouse` ON `stock_moves` (`sku`, `warehouse`);
CREATE INDEX `stockmove_order_id` ON `stock_moves` (`order_id`);
CREATE TABLE `warehouses` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `key` text NOT NULL, `name` text NOT NULL DEFAULT (''));
CREATE UNIQUE INDEX `warehouses_key_key` ON `warehouses` (`key`);
PRAGMA foreign_keys = on;
