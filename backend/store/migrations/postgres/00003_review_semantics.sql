-- +goose Up
ALTER TABLE "node_instances" ADD COLUMN "pool" bigint NOT NULL DEFAULT 0, ADD COLUMN "queue" jsonb NULL, ADD COLUMN "after" jsonb NULL, ADD COLUMN "return_to" character varying NOT NULL DEFAULT '';
ALTER TABLE "tasks" ADD COLUMN "kind" character varying NOT NULL DEFAULT 'review', ADD COLUMN "parent_id" bigint NULL, ADD COLUMN "granted" boolean NOT NULL DEFAULT false, ADD COLUMN "comment" character varying NOT NULL DEFAULT '', ADD COLUMN "urged_at" timestamptz NULL, ADD COLUMN "seen" jsonb NULL, ADD COLUMN "fingerprint" character varying NOT NULL DEFAULT '';
