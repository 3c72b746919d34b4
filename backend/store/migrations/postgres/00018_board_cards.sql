-- +goose Up
-- The board's pages (issue 16 item 1), as SQLite's 00018: board_cards holds one row per
-- active review node instance (a card) with its order's department, flow and status,
-- kept by the triggers below, so that a column's page is one range of
-- board_cards_column in arrival order (before, a semi-join hashed the department's
-- orders for every column) and its count one range of the department's cards. Each row
-- belongs to one order, whose writers already queue on its lock. SQLite's other table,
-- board_tallies (shared counters), is left out here: every move of an order would queue
-- on (and could deadlock over) its rows. Hand-written: ent does not know the table,
-- functions or triggers, and its diff never drops what it does not know.
CREATE TABLE "board_cards" ("node_instance_id" bigint NOT NULL, "order_id" bigint NOT NULL,
  "department" character varying NOT NULL, "flow_key" character varying NOT NULL, "status" character varying NOT NULL,
  "node_id" character varying NOT NULL, PRIMARY KEY ("node_instance_id"));
CREATE INDEX "board_cards_column" ON "board_cards" ("department", "flow_key", "node_id", "node_instance_id", "status");
CREATE INDEX "board_cards_order_id" ON "board_cards" ("order_id");
INSERT INTO "board_cards" ("node_instance_id", "order_id", "department", "flow_key", "status", "node_id")
  SELECT n.id, o.id, o.department, o.flow_key, o.status, n.node_id FROM "node_instances" n JOIN "orders" o ON o.id = n.order_id
  WHERE n.status = 'active' AND n.node_type = 'review';
-- +goose StatementBegin
CREATE FUNCTION "board_cards_node_instance"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM "board_cards" WHERE "node_instance_id" = OLD.id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status = 'active' AND NEW.node_type = 'review' THEN
    INSERT INTO "board_cards" ("node_instance_id", "order_id", "department", "flow_key", "status", "node_id")
      SELECT NEW.id, o.id, o.department, o.flow_key, o.status, NEW.node_id FROM "orders" o WHERE o.id = NEW.order_id;
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER "node_instances_board_cards_insert" AFTER INSERT ON "node_instances"
  FOR EACH ROW WHEN (NEW.status = 'active' AND NEW.node_type = 'review') EXECUTE FUNCTION "board_cards_node_instance"();
CREATE TRIGGER "node_instances_board_cards_update" AFTER UPDATE OF "status", "node_type", "node_id", "order_id" ON "node_instances"
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.node_type IS DISTINCT FROM NEW.node_type
    OR OLD.node_id IS DISTINCT FROM NEW.node_id OR OLD.order_id IS DISTINCT FROM NEW.order_id)
  EXECUTE FUNCTION "board_cards_node_instance"();
CREATE TRIGGER "node_instances_board_cards_delete" AFTER DELETE ON "node_instances"
  FOR EACH ROW EXECUTE FUNCTION "board_cards_node_instance"();
-- +goose StatementBegin
CREATE FUNCTION "board_cards_order"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM "board_cards" WHERE "order_id" = OLD.id;
  ELSE
    UPDATE "board_cards" SET "department" = NEW.department, "flow_key" = NEW.flow_key, "status" = NEW.status
      WHERE "order_id" = NEW.id;
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER "orders_board_cards_update" AFTER UPDATE OF "department", "flow_key", "status" ON "orders"
  FOR EACH ROW WHEN (OLD.department IS DISTINCT FROM NEW.department OR OLD.flow_key IS DISTINCT FROM NEW.flow_key
    OR OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION "board_cards_order"();
CREATE TRIGGER "orders_board_cards_delete" AFTER DELETE ON "orders"
  FOR EACH ROW EXECUTE FUNCTION "board_cards_order"();
