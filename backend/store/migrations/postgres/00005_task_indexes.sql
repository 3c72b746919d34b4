-- +goose Up
CREATE INDEX "task_node_instance_id_status" ON "tasks" ("node_instance_id", "status");
CREATE INDEX "task_decided_by" ON "tasks" ("decided_by");
