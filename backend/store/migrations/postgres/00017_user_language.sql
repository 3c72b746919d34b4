-- +goose Up
ALTER TABLE "users" ADD COLUMN "language" character varying NOT NULL DEFAULT '';
