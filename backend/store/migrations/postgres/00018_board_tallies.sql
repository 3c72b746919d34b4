-- +goose Up
-- SQLite's 00018 keeps the board's counts in a table its triggers maintain; on
-- PostgreSQL concurrent writers would queue on those shared rows, so its board keeps
-- counting in SQL (a hash semi-join). The file keeps the two dialects' version numbers
-- in step.
SELECT 1;
