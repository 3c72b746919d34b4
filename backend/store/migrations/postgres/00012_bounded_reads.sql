-- +goose Up
-- Bounded reads (issue 16): indexes for the keyset-paginated lists, and a search column
-- over each order's number, submitter, customer and SKUs (kept by a trigger) with a
-- pg_trgm index so ILIKE '%…%' is answered from the index. Written by hand (ent cannot
-- express triggers or operator classes); ent's schema diff never drops what it does not
-- know, so TestMigrationsMatchSchema still holds.
CREATE INDEX "order_department_flow_key_status" ON "orders" ("department", "flow_key", "status", "id");
CREATE INDEX "nodeinstance_node_id_status_id" ON "node_instances" ("node_id", "status", "id");
CREATE INDEX "taskassignee_username_open_task_id" ON "task_assignees" ("username", "open", "task_id");
CREATE INDEX "auditentry_order_id_seq" ON "audit_entries" ("order_id", "seq");
CREATE INDEX "notification_username_id" ON "notifications" ("username", "id");
CREATE INDEX "importjob_created_by_id" ON "import_jobs" ("created_by", "id");
CREATE INDEX "exception_status_id" ON "exceptions" ("status", "id");
CREATE INDEX "task_decided_by_id" ON "tasks" ("decided_by", "id");
CREATE INDEX "order_submitter_id" ON "orders" ("submitter", "id");
CREATE INDEX "outboxmessage_status_id" ON "outbox_messages" ("status", "id");
ALTER TABLE "orders" ADD COLUMN "search" text NOT NULL DEFAULT '';
-- +goose StatementBegin
CREATE FUNCTION order_search_text(n text, s text, c text, d jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT lower(n || ' ' || s || ' ' || c || ' ' || coalesce(d #>> '{customer,name}', '') || ' ' ||
    coalesce((SELECT string_agg(e ->> 'sku', ' ') FROM jsonb_array_elements(
      CASE WHEN jsonb_typeof(d -> 'items') = 'array' THEN d -> 'items' ELSE '[]'::jsonb END) e
      WHERE jsonb_typeof(e) = 'object'), ''))
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION orders_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search := order_search_text(NEW.number, NEW.submitter, NEW.customer, NEW.data);
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER orders_search BEFORE INSERT OR UPDATE OF number, submitter, customer, data ON "orders"
  FOR EACH ROW EXECUTE FUNCTION orders_search_trigger();
UPDATE "orders" SET "search" = order_search_text("number", "submitter", "customer", "data");
-- The trigram index needs the pg_trgm extension (contrib; trusted since PostgreSQL 13).
-- Where it cannot be had, search still works, by a scan.
-- +goose StatementBegin
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
  CREATE INDEX "order_search_trgm" ON "orders" USING gin ("search" public.gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm unavailable (%); order search scans', SQLERRM;
END
$$;
-- +goose StatementEnd
