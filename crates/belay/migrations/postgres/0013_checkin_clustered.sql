-- SQLite twin: sqlite/0013, which keeps check-ins in key order (WITHOUT
-- ROWID). PostgreSQL keeps every table as a heap beside its indexes, and
-- has no such layout to change to; this file keeps the two migration lists
-- the same (tests/it/schema.rs).
select 1;
