-- +goose Up
-- Instances that add up (issue 16): one audit hash chain per order (or actor), each with
-- its head in audit_chains; the chain that was the whole trail is kept as the global
-- chain '' (its entries keep their numbers) and anchors the others' heads from now on.
-- SQLite keeps numbering entries, events and orders from the ledger row (one writer). Hand-written: ent does
-- not know these two tables, and its diff never drops what it does not know.
ALTER TABLE `audit_entries` ADD COLUMN `chain` text NOT NULL DEFAULT '';
ALTER TABLE `audit_entries` ADD COLUMN `chain_seq` integer NOT NULL DEFAULT 0;
UPDATE `audit_entries` SET `chain_seq` = `seq`;
CREATE UNIQUE INDEX `auditentry_chain_chain_seq` ON `audit_entries` (`chain`, `chain_seq`);
CREATE TABLE `audit_chains` (`chain` text NOT NULL, `seq` integer NOT NULL, `hash` text NOT NULL, PRIMARY KEY (`chain`));
INSERT INTO `audit_chains` (`chain`, `seq`, `hash`) SELECT '', `audit_seq`, `audit_hash` FROM `ledgers` WHERE `id` = 1 AND `audit_seq` > 0;
CREATE TABLE `audit_anchored` (`chain` text NOT NULL, `seq` integer NOT NULL, PRIMARY KEY (`chain`));
