-- Who read a member's sensitive data through a grant (DESIGN capability
-- 15): one row per viewer, kind and minute. PostgreSQL twin: postgres/0008.
create table access_log (
    owner_id blob not null references member (id) on delete cascade,
    -- null once the viewer has deleted their account.
    viewer_id blob references member (id) on delete set null,
    -- 'checkins', 'clocks' or 'goals'.
    what text not null,
    -- The minute of the read (repeated reads in a minute are one row).
    at text not null,
    unique (owner_id, viewer_id, what, at)
) strict;
create index access_log_owner on access_log (owner_id, at);
