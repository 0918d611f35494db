-- Foundation: members, sessions, API tokens, profiles, recovery clocks,
-- notices and the durable job queue. Timestamps are UTC; local days are
-- computed in the application from each member's IANA time zone.

create table member (
    id uuid primary key,
    handle text not null,
    handle_key text not null unique,
    password_hash text not null,
    email text,
    time_zone text not null,
    language text not null default 'en',
    role text not null default 'member' check (role in ('member', 'moderator', 'admin')),
    created_at timestamptz not null,
    updated_at timestamptz not null
);

create table session (
    id_hash bytea primary key,
    member_id uuid not null references member (id) on delete cascade,
    csrf_token text not null,
    created_at timestamptz not null,
    last_seen_at timestamptz not null
);
create index session_member on session (member_id);

create table api_token (
    id uuid primary key,
    member_id uuid not null references member (id) on delete cascade,
    token_hash bytea not null unique,
    label text not null,
    created_at timestamptz not null,
    last_used_at timestamptz,
    revoked_at timestamptz
);
create index api_token_member on api_token (member_id);

create table profile (
    member_id uuid primary key references member (id) on delete cascade,
    discoverable boolean not null default false,
    focus jsonb not null default '[]',
    pathway jsonb not null default '[]',
    languages jsonb not null default '[]',
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
    updated_at timestamptz not null
);

create table clock (
    id uuid primary key,
    member_id uuid not null references member (id) on delete cascade,
    label text not null,
    started_on date not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index clock_member on clock (member_id);

create table clock_reset (
    id uuid primary key,
    clock_id uuid not null references clock (id) on delete cascade,
    previous_started_on date not null,
    started_on date not null,
    days_counted integer not null,
    created_at timestamptz not null
);
create index clock_reset_clock on clock_reset (clock_id);

create table notice (
    id uuid primary key,
    member_id uuid not null references member (id) on delete cascade,
    kind text not null,
    payload jsonb not null,
    dedupe_key text unique,
    created_at timestamptz not null,
    read_at timestamptz
);
create index notice_member on notice (member_id, created_at);

create table job (
    id uuid primary key,
    kind text not null,
    payload jsonb not null,
    dedupe_key text unique,
    due_at timestamptz not null,
    lease_id uuid,
    leased_until timestamptz,
    attempts integer not null default 0,
    max_attempts integer not null,
    last_error text,
    failed_at timestamptz,
    created_at timestamptz not null
);
create index job_due on job (due_at) where failed_at is null;
