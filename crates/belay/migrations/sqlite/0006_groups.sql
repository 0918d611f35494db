-- Groups, their discussion and moderation, and their meetings
-- (DESIGN capabilities 11 and 12). PostgreSQL twin: postgres/0006.

create table peer_group (
    id blob primary key,
    slug text not null unique,
    name text not null,
    kind text not null check (kind in ('peer', 'workplace', 'school', 'community', 'online')),
    formal integer not null default 0,
    visibility text not null check (visibility in ('public', 'unlisted', 'private')),
    join_policy text not null check (join_policy in ('open', 'request', 'invite')),
    about text not null default '',
    -- A contact for the public meeting list, published only when contact_public.
    contact_email text not null default '',
    contact_public integer not null default 0,
    -- 1 for a group made by `belay import-meetings` (re-import updates it).
    imported integer not null default 0,
    created_by blob references member (id) on delete set null,
    created_at text not null,
    updated_at text not null
) strict;
create index peer_group_listed on peer_group (visibility, name);

create table group_member (
    group_id blob not null references peer_group (id) on delete cascade,
    member_id blob not null references member (id) on delete cascade,
    role text not null default 'member' check (role in ('organiser', 'moderator', 'member')),
    state text not null default 'active' check (state in ('active', 'pending', 'banned')),
    -- Which new posts become notices: every one, those that mention me, none.
    notify text not null default 'mentions' check (notify in ('all', 'mentions', 'none')),
    joined_at text not null,
    updated_at text not null,
    primary key (group_id, member_id)
) strict;
create index group_member_of on group_member (member_id, state);
create index group_member_role on group_member (group_id, state, role);

-- Invite codes are kept as hashes: the code itself is shown once.
create table group_invite (
    id blob primary key,
    group_id blob not null references peer_group (id) on delete cascade,
    code_hash blob not null unique,
    -- How many more times it can be used; null for any number.
    uses_left integer,
    uses integer not null default 0,
    expires_at text not null,
    revoked_at text,
    created_by blob references member (id) on delete set null,
    created_at text not null
) strict;
create index group_invite_of on group_invite (group_id, created_at);

create table group_thread (
    id blob primary key,
    group_id blob not null references peer_group (id) on delete cascade,
    author_id blob references member (id) on delete set null,
    title text not null,
    reply_count integer not null default 0,
    hidden integer not null default 0,
    created_at text not null,
    last_activity_at text not null
) strict;
create index group_thread_activity on group_thread (group_id, last_activity_at, id);

-- A thread's opening post and its replies.
create table group_post (
    id blob primary key,
    thread_id blob not null references group_thread (id) on delete cascade,
    group_id blob not null references peer_group (id) on delete cascade,
    author_id blob references member (id) on delete set null,
    body text not null,
    -- 1 when the crisis screen found crisis language in it.
    risk integer not null default 0,
    hidden integer not null default 0,
    hidden_note text not null default '',
    created_at text not null
) strict;
create index group_post_thread on group_post (thread_id, created_at, id);

create table group_thread_read (
    member_id blob not null references member (id) on delete cascade,
    thread_id blob not null references group_thread (id) on delete cascade,
    read_at text not null,
    primary key (member_id, thread_id)
) strict;

create table group_report (
    id blob primary key,
    group_id blob not null references peer_group (id) on delete cascade,
    -- null: raised by the crisis screen itself.
    reporter_id blob references member (id) on delete set null,
    post_id blob references group_post (id) on delete cascade,
    member_id blob references member (id) on delete cascade,
    reason text not null,
    risk integer not null default 0,
    state text not null default 'open' check (state in ('open', 'dismissed', 'actioned', 'escalated')),
    created_at text not null,
    resolved_at text,
    resolved_by blob references member (id) on delete set null
) strict;
create index group_report_queue on group_report (group_id, state, risk, created_at);
create index group_report_escalated on group_report (state, risk, created_at);

create table group_mod_log (
    id blob primary key,
    group_id blob not null references peer_group (id) on delete cascade,
    actor_id blob references member (id) on delete set null,
    action text not null,
    target_member blob references member (id) on delete set null,
    target_post blob references group_post (id) on delete set null,
    reason text not null default '',
    created_at text not null
) strict;
create index group_mod_log_of on group_mod_log (group_id, created_at);

create table meeting (
    id blob primary key,
    group_id blob not null references peer_group (id) on delete cascade,
    -- Unique and stable: the Meeting Guide feed's key.
    slug text not null unique,
    name text not null,
    frequency text not null check (frequency in ('weekly', 'monthly', 'once')),
    -- Weekdays as bits, 1 << d for d = 0 (Sunday) .. 6 (Saturday).
    days integer not null default 0,
    -- Monthly: which of its weekday in the month (1..4, or -1 for the last).
    month_week integer,
    -- Once: its date; weekly and monthly: the first date it can fall on.
    starts_on text not null,
    -- The last date it can fall on, if it stops.
    ends_on text,
    -- Local HH:MM in time_zone; an end before the start is the next day.
    start_time text not null,
    end_time text not null,
    time_zone text not null,
    location text not null default '',
    formatted_address text not null default '',
    location_notes text not null default '',
    approximate integer not null default 0,
    latitude real,
    longitude real,
    region text not null default '',
    conference_url text not null default '',
    conference_url_notes text not null default '',
    conference_phone text not null default '',
    conference_phone_notes text not null default '',
    -- Meeting Guide type codes as ',O,D,' (commas either side for LIKE).
    types text not null default '',
    notes text not null default '',
    active integer not null default 1,
    -- iCalendar SEQUENCE: one more on every change.
    sequence integer not null default 0,
    created_at text not null,
    updated_at text not null
) strict;
create index meeting_group on meeting (group_id, start_time);
-- The finder walks meetings in this order and stops at a page.
create index meeting_time on meeting (start_time, name, slug);
-- The Meeting Guide feed's cache checks these for changes.
create index meeting_updated on meeting (updated_at);
create index peer_group_updated on peer_group (updated_at);

-- One occurrence cancelled or moved, by its original local date.
create table meeting_exception (
    meeting_id blob not null references meeting (id) on delete cascade,
    on_date text not null,
    cancelled integer not null default 0,
    moved_start text,
    moved_end text,
    note text not null default '',
    created_at text not null,
    primary key (meeting_id, on_date)
) strict;

-- The private "my meetings" calendar feed: one revocable token per member.
create table calendar_token (
    member_id blob primary key references member (id) on delete cascade,
    token_hash blob not null unique,
    created_at text not null
) strict;
