-- +goose Up
-- The board's counts per column (issue 16 item 1) without reading the department's
-- orders: board_tallies holds how many orders each (department, flow, status, flow
-- version, current nodes) has, kept by the triggers below, so a board counts from a
-- handful of rows whatever the number of orders (00014's index range grew with them:
-- about 10 ms a board at 58,000 open orders). SQLite only: its writers are serialized,
-- so the shared rows cost nothing; on PostgreSQL every move of an order would queue on
-- (and could deadlock over) them. Hand-written: ent does not know the table or triggers,
-- and its diff never drops what it does not know.
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
