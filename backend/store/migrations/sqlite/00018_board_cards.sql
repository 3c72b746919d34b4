-- +goose Up
-- The board's counts and pages (issue 16 item 1) bounded by a page, not by the orders.
-- The counts per column without reading the department's orders: board_tallies holds
-- how many orders each (department, flow, status, flow version, current nodes) has, kept
-- by the triggers below, so a board counts from a handful of rows whatever the number of
-- orders (00014's index range grew with them: about 10 ms a board at 58,000 open
-- orders). SQLite only: its writers are serialized, so the shared rows cost nothing; on
-- PostgreSQL every move of an order would queue on (and could deadlock over) them.
-- Hand-written: ent does not know these tables or triggers, and its diff never drops
-- what it does not know.
CREATE TABLE `board_tallies` (`department` text NOT NULL, `flow_key` text NOT NULL, `status` text NOT NULL,
  `flow_version` integer NOT NULL, `current_nodes` json NOT NULL, `n` integer NOT NULL,
  PRIMARY KEY (`department`, `flow_key`, `status`, `flow_version`, `current_nodes`)) WITHOUT ROWID;
INSERT INTO `board_tallies` (`department`, `flow_key`, `status`, `flow_version`, `current_nodes`, `n`)
  SELECT `department`, `flow_key`, `status`, `flow_version`, `current_nodes`, count(*) FROM `orders`
  GROUP BY `department`, `flow_key`, `status`, `flow_version`, `current_nodes`;
-- +goose StatementBegin
CREATE TRIGGER `orders_board_tallies_insert` AFTER INSERT ON `orders` BEGIN
  INSERT INTO `board_tallies` (`department`, `flow_key`, `status`, `flow_version`, `current_nodes`, `n`)
    VALUES (NEW.department, NEW.flow_key, NEW.status, NEW.flow_version, NEW.current_nodes, 1)
    ON CONFLICT (`department`, `flow_key`, `status`, `flow_version`, `current_nodes`) DO UPDATE SET `n` = `n` + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `orders_board_tallies_update` AFTER UPDATE OF `department`, `flow_key`, `status`, `flow_version`, `current_nodes` ON `orders`
  WHEN OLD.department IS NOT NEW.department OR OLD.flow_key IS NOT NEW.flow_key OR OLD.status IS NOT NEW.status
    OR OLD.flow_version IS NOT NEW.flow_version OR OLD.current_nodes IS NOT NEW.current_nodes BEGIN
  UPDATE `board_tallies` SET `n` = `n` - 1 WHERE `department` = OLD.department AND `flow_key` = OLD.flow_key
    AND `status` = OLD.status AND `flow_version` = OLD.flow_version AND `current_nodes` = OLD.current_nodes;
  INSERT INTO `board_tallies` (`department`, `flow_key`, `status`, `flow_version`, `current_nodes`, `n`)
    VALUES (NEW.department, NEW.flow_key, NEW.status, NEW.flow_version, NEW.current_nodes, 1)
    ON CONFLICT (`department`, `flow_key`, `status`, `flow_version`, `current_nodes`) DO UPDATE SET `n` = `n` + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `orders_board_tallies_delete` AFTER DELETE ON `orders` BEGIN
  UPDATE `board_tallies` SET `n` = `n` - 1 WHERE `department` = OLD.department AND `flow_key` = OLD.flow_key
    AND `status` = OLD.status AND `flow_version` = OLD.flow_version AND `current_nodes` = OLD.current_nodes;
END;
-- +goose StatementEnd
-- board_cards: one row per active review node instance (a card) with its order's
-- department, flow and status, kept by the triggers below, so that a column's page is
-- one range of board_cards_column in arrival order whatever the other departments hold
-- at the node (walking the node's instances and probing each one's order, a department
-- with a few orders at a busy node read the whole node: ~100 ms at 42,000).
CREATE TABLE `board_cards` (`node_instance_id` integer NOT NULL PRIMARY KEY, `order_id` integer NOT NULL,
  `department` text NOT NULL, `flow_key` text NOT NULL, `status` text NOT NULL, `node_id` text NOT NULL);
CREATE INDEX `board_cards_column` ON `board_cards` (`department`, `flow_key`, `node_id`, `node_instance_id`, `status`);
CREATE INDEX `board_cards_order_id` ON `board_cards` (`order_id`);
INSERT INTO `board_cards` (`node_instance_id`, `order_id`, `department`, `flow_key`, `status`, `node_id`)
  SELECT n.id, o.id, o.department, o.flow_key, o.status, n.node_id FROM `node_instances` n JOIN `orders` o ON o.id = n.order_id
  WHERE n.status = 'active' AND n.node_type = 'review';
-- +goose StatementBegin
CREATE TRIGGER `node_instances_board_cards_insert` AFTER INSERT ON `node_instances`
  WHEN NEW.status = 'active' AND NEW.node_type = 'review' BEGIN
  INSERT INTO `board_cards` (`node_instance_id`, `order_id`, `department`, `flow_key`, `status`, `node_id`)
    SELECT NEW.id, o.id, o.department, o.flow_key, o.status, NEW.node_id FROM `orders` o WHERE o.id = NEW.order_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `node_instances_board_cards_update` AFTER UPDATE OF `status`, `node_type`, `node_id`, `order_id` ON `node_instances`
  WHEN OLD.status IS NOT NEW.status OR OLD.node_type IS NOT NEW.node_type OR OLD.node_id IS NOT NEW.node_id
    OR OLD.order_id IS NOT NEW.order_id BEGIN
  DELETE FROM `board_cards` WHERE `node_instance_id` = OLD.id;
  INSERT INTO `board_cards` (`node_instance_id`, `order_id`, `department`, `flow_key`, `status`, `node_id`)
    SELECT NEW.id, o.id, o.department, o.flow_key, o.status, NEW.node_id FROM `orders` o
    WHERE o.id = NEW.order_id AND NEW.status = 'active' AND NEW.node_type = 'review';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `node_instances_board_cards_delete` AFTER DELETE ON `node_instances` BEGIN
  DELETE FROM `board_cards` WHERE `node_instance_id` = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `orders_board_cards_update` AFTER UPDATE OF `department`, `flow_key`, `status` ON `orders`
  WHEN OLD.department IS NOT NEW.department OR OLD.flow_key IS NOT NEW.flow_key OR OLD.status IS NOT NEW.status BEGIN
  UPDATE `board_cards` SET `department` = NEW.department, `flow_key` = NEW.flow_key, `status` = NEW.status
    WHERE `order_id` = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `orders_board_cards_delete` AFTER DELETE ON `orders` BEGIN
  DELETE FROM `board_cards` WHERE `order_id` = OLD.id;
END;
-- +goose StatementEnd
