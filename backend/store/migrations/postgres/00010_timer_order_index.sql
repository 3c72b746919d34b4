-- +goose Up
CREATE INDEX "timer_order_id_kind_status" ON "timers" ("order_id", "kind", "status");
