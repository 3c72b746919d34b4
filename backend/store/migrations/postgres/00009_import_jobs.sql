-- +goose Up
ALTER TABLE "import_jobs" ADD COLUMN "heartbeat_at" timestamptz NULL, ADD COLUMN "encoding" character varying NOT NULL DEFAULT '';
