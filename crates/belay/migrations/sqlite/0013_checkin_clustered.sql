-- Check-ins are always read by member, newest day first (a save reads the
-- member's latest days back for the streak and the risk rules, inside the
-- write lock), and were a rowid table with a separate index on the key:
-- every row read was a walk down the index and another down the table.
-- Kept in key order (WITHOUT ROWID), the latest days are one range of one
-- B-tree and a save touches one B-tree instead of two. Paired timings of
-- the upsert and the read back: 22% less for a member with 30 days, a
-- third of the time for one with 1,000 (BENCHMARKS.md, issue 6).
-- Nothing references checkin, so it is rebuilt in place. PostgreSQL twin:
-- postgres/0013 (no change there).
create table checkin_new (
    member_id blob not null references member (id) on delete cascade,
    local_date text not null,
    mood integer not null check (mood between 1 and 5),
    craving integer not null check (craving between 0 and 10),
    sleep_hours real check (sleep_hours between 0 and 24),
    -- Trigger tags, comma-separated (tags are checked: no commas in them).
    triggers text not null default '',
    gratitude text not null default '',
    note text not null default '',
    -- 0 when first saved; each update of the day adds one.
    revision integer not null default 0,
    created_at text not null,
    updated_at text not null,
    primary key (member_id, local_date)
) strict, without rowid;
insert into checkin_new (member_id, local_date, mood, craving, sleep_hours, triggers,
        gratitude, note, revision, created_at, updated_at)
    select member_id, local_date, mood, craving, sleep_hours, triggers, gratitude, note,
        revision, created_at, updated_at
    from checkin;
drop table checkin;
alter table checkin_new rename to checkin;
