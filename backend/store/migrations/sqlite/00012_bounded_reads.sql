-- +goose Up
-- Bounded reads (issue 16): indexes for the keyset-paginated lists, and a trigram
-- full-text index over each order's number, submitter, customer and SKUs for search.
-- These are written by hand (ent cannot express FTS5 or triggers); ent's schema diff
-- never drops what it does not know, so TestMigrationsMatchSchema still holds.
CREATE INDEX `order_department_flow_key_status` ON `orders` (`department`, `flow_key`, `status`);
CREATE INDEX `nodeinstance_node_id_status_id` ON `node_instances` (`node_id`, `status`, `id`);
CREATE INDEX `taskassignee_username_open_task_id` ON `task_assignees` (`username`, `open`, `task_id`);
CREATE INDEX `auditentry_order_id_seq` ON `audit_entries` (`order_id`, `seq`);
CREATE INDEX `notification_username_id` ON `notifications` (`username`, `id`);
CREATE INDEX `importjob_created_by_id` ON `import_jobs` (`created_by`, `id`);
CREATE INDEX `exception_status_id` ON `exceptions` (`status`, `id`);
CREATE INDEX `outboxmessage_status_id` ON `outbox_messages` (`status`, `id`);
-- order_search(rowid = orders.id): lower(number submitter customer data.customer.name
-- data.items[].sku), kept by the triggers below; the trigram tokenizer answers
-- LIKE '%…%' from the index (three characters or more).
CREATE VIRTUAL TABLE `order_search` USING fts5(`search`, tokenize = 'trigram');
INSERT INTO `order_search` (rowid, `search`) SELECT o.id, lower(o.number || ' ' || o.submitter || ' ' || o.customer || ' ' ||
  coalesce(json_extract(o.data, '$.customer.name'), '') || ' ' ||
  coalesce((SELECT group_concat(json_extract(j.value, '$.sku'), ' ') FROM json_each(o.data, '$.items') j WHERE j.type = 'object'), ''))
  FROM `orders` o;
-- +goose StatementBegin
CREATE TRIGGER `orders_search_insert` AFTER INSERT ON `orders` BEGIN
  INSERT INTO `order_search` (rowid, `search`) VALUES (NEW.id, lower(NEW.number || ' ' || NEW.submitter || ' ' || NEW.customer || ' ' ||
    coalesce(json_extract(NEW.data, '$.customer.name'), '') || ' ' ||
    coalesce((SELECT group_concat(json_extract(j.value, '$.sku'), ' ') FROM json_each(NEW.data, '$.items') j WHERE j.type = 'object'), '')));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `orders_search_update` AFTER UPDATE OF `number`, `submitter`, `customer`, `data` ON `orders` BEGIN
  UPDATE `order_search` SET `search` = lower(NEW.number || ' ' || NEW.submitter || ' ' || NEW.customer || ' ' ||
    coalesce(json_extract(NEW.data, '$.customer.name'), '') || ' ' ||
    coalesce((SELECT group_concat(json_extract(j.value, '$.sku'), ' ') FROM json_each(NEW.data, '$.items') j WHERE j.type = 'object'), ''))
  WHERE rowid = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `orders_search_delete` AFTER DELETE ON `orders` BEGIN
  DELETE FROM `order_search` WHERE rowid = OLD.id;
END;
-- +goose StatementEnd
