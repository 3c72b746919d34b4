-- +goose Up
-- Instances that add up (issue 16): no row every writer locks. The audit trail becomes
-- one hash chain per order (or actor), each with its head in audit_chains; the chain
-- that was the whole trail is kept as the global chain '' (its entries keep their
-- numbers) and anchors the others' heads from now on (audit_anchored remembers what was
-- anchored). Entries, events and order numbers come from sequences (store.FinalEvents
-- tells readers which event numbers are final). Hand-written: ent does
-- not know sequences or these two tables, and its diff never drops what it does not know.
ALTER TABLE "audit_entries" ADD COLUMN "chain" character varying NOT NULL DEFAULT '', ADD COLUMN "chain_seq" bigint NOT NULL DEFAULT 0;
UPDATE "audit_entries" SET "chain_seq" = "seq";
CREATE UNIQUE INDEX "auditentry_chain_chain_seq" ON "audit_entries" ("chain", "chain_seq");
CREATE TABLE "audit_chains" ("chain" character varying NOT NULL, "seq" bigint NOT NULL, "hash" character varying NOT NULL, PRIMARY KEY ("chain"));
INSERT INTO "audit_chains" ("chain", "seq", "hash") SELECT '', "audit_seq", "audit_hash" FROM "ledgers" WHERE "id" = 1 AND "audit_seq" > 0;
CREATE TABLE "audit_anchored" ("chain" character varying NOT NULL, "seq" bigint NOT NULL, PRIMARY KEY ("chain"));
CREATE SEQUENCE "sluice_audit_seq";
CREATE SEQUENCE "sluice_event_seq";
CREATE SEQUENCE "sluice_order_seq";
SELECT setval('sluice_audit_seq', "audit_seq" + 1, false), setval('sluice_event_seq', "event_seq" + 1, false),
  setval('sluice_order_seq', "order_seq" + 1, false) FROM "ledgers" WHERE "id" = 1;
