-- The circle feed reads, for each of a page's items, the item, its owner's
-- handle, its clock's or goal's name, and (in the grant check) the
-- connection's state, each by id. A rowid table's `id blob primary key` is
-- a separate index: a lookup descends it, then the table by rowid. With
-- what the feed needs in an index keyed by the id, each lookup is one
-- descent (BENCHMARKS.md, issue 6: the feed's statement a sixth cheaper,
-- the home page about a tenth). The planner, without statistics, prefers
-- the unique key, so the feed's statements name these with `indexed by`;
-- the grant check's lookup of a connection's state finds connection_read
-- by itself, both of its columns being compared. PostgreSQL twin:
-- postgres/0015.
create index connection_read on connection (id, state);
create index member_read on member (id, handle);
create index clock_read on clock (id, label);
create index goal_read on goal (id, title);
create index feed_item_read on feed_item
    (id, kind, visible, owner_id, clock_id, goal_id, detail, created_at);
