-- +goose Up
ALTER TABLE "customers" ADD COLUMN "department" character varying NOT NULL DEFAULT '';
