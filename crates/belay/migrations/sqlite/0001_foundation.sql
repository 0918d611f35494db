-- SQLite twin of postgres/0001. Foundation: members, sessions, API tokens, profiles, recovery clocks,
-- notices and the durable job queue. Timestamps are UTC; local days are
-- computed in the application from each member's IANA time zone.

create table member (
    id blob primary key,
    handle text not null,
    handle_key text not null unique,
    password_hash text not null,
    email text,
    time_zone text not null,
    language text not null default 'en',
    role text not null default 'member' check (role in ('member', 'moderator', 'admin')),
    created_at text not null,
    updated_at text not null
) strict;

create table session (
    id_hash blob primary key,
    member_id blob not null references member (id) on delete cascade,
    csrf_token text not null,
    created_at text not null,
    last_seen_at text not null
) strict;
create index session_member on session (member_id);

create table api_token (
    id blob primary key,
    member_id blob not null references member (id) on delete cascade,
    token_hash blob not null unique,
    label text not null,
    created_at text not null,
    last_used_at text,
    revoked_at text
) strict;
create index api_token_member on api_token (member_id);

create table profile (
    member_id blob primary key references member (id) on delete cascade,
    discoverable integer not null default 0,
    focus text not null default '[]',
    pathway text not null default '[]',
    languages text not null default '[]',
    bio text not null default '',
    seeking text not null default '',
    offering text not null default '',
    vis_focus text not null default 'me' check (vis_focus in ('me', 'circle', 'members')),
    vis_pathway text not null default 'me' check (vis_pathway in ('me', 'circle', 'members')),
    vis_languages text not null default 'me' check (vis_languages in ('me', 'circle', 'members')),
    vis_bio text not null default 'me' check (vis_bio in ('me', 'circle', 'members')),
    vis_seeking text not null default 'me' check (vis_seeking in ('me', 'circle', 'members')),
    vis_offering text not null default 'me' check (vis_offering in ('me', 'circle', 'members')),
    vis_clocks text not null default 'me' check (vis_clocks in ('me', 'circle', 'members')),
    updated_at text not null
) strict;

create table clock (
    id blob primary key,
    member_id blob not null references member (id) on delete cascade,
    label text not null,
    started_on text not null,
    created_at text not null,
    updated_at text not null
) strict;
create index clock_member on clock (member_id);

create table clock_reset (
    id blob primary key,
    clock_id blob not null references clock (id) on delete cascade,
    previous_started_on text not null,
    started_on text not null,
    days_counted integer not null,
    created_at text not null
) strict;
create index clock_reset_clock on clock_reset (clock_id);

create table notice (
    id blob primary key,
    member_id blob not null references member (id) on delete cascade,
    kind text not null,
    payload text not null,
    dedupe_key text unique,
    created_at text not null,
    read_at text
) strict;
create index notice_member on notice (member_id, created_at);

create table job (
    id blob primary key,
    kind text not null,
    payload text not null,
    dedupe_key text unique,
    due_at text not null,
    lease_id blob,
    leased_until text,
    attempts integer not null default 0,
    max_attempts integer not null,
    last_error text,
    failed_at text,
    created_at text not null
) strict;
create index job_due on job (due_at) where failed_at is null;
