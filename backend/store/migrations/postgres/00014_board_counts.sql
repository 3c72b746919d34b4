-- +goose Up
-- SQLite's 00014 widens an index for the board's counts; PostgreSQL keeps its plan (a
-- hash semi-join over order_department_flow_key_status), so nothing changes here. The
-- file keeps the two dialects' version numbers in step.
SELECT 1;
