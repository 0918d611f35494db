-- SQLite twin (sqlite/0015) adds covering indexes for the circle feed's
-- lookups by id, because a SQLite rowid table's primary key is a separate
-- index and each lookup descended two trees. A PostgreSQL primary key
-- lookup is one index descent and a heap fetch either way, and index-only
-- scans would depend on the visibility map; nothing here is measured to
-- need them, so this version only keeps the two folders in step.
select 1;
