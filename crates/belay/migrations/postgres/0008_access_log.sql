-- Who read a member's sensitive data through a grant (DESIGN capability
-- 15): one row per viewer, kind and minute. SQLite twin: sqlite/0008.
create table access_log (
    owner_id uuid not null references member (id) on delete cascade,
    -- null once the viewer has deleted their account.
    viewer_id uuid references member (id) on delete set null,
    -- 'checkins', 'clocks' or 'goals'.
    what text not null,
    -- The minute of the read (repeated reads in a minute are one row).
    at timestamptz not null,
    unique (owner_id, viewer_id, what, at)
);
create index access_log_owner on access_log (owner_id, at);
