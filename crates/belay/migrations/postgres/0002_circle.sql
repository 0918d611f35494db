-- Circle and discovery: capacities members opt in to, connections with
-- per-side grants, blocks, invite links, and the discovery index (only what
-- each discoverable member lets members see).

create table capacity (
    member_id uuid primary key references member (id) on delete cascade,
    mentor boolean not null default false,
    mentor_capacity integer not null default 3 check (mentor_capacity between 1 and 20),
    listener boolean not null default false,
    duty_hours text not null default '',
    professional boolean not null default false,
    professional_title text not null default '',
    professional_licence text not null default '',
    verified_at timestamptz,
    updated_at timestamptz not null
);

create table connection (
    id uuid primary key,
    requester_id uuid not null references member (id) on delete cascade,
    addressee_id uuid not null references member (id) on delete cascade,
    pair_low uuid not null,
    pair_high uuid not null,
    relationship text not null check (relationship in
        ('peer', 'mentor', 'mentee', 'listener', 'professional', 'family', 'friend')),
    state text not null check (state in ('pending', 'accepted', 'declined', 'ended')),
    created_at timestamptz not null,
    responded_at timestamptz,
    updated_at timestamptz not null
);
create unique index connection_live_pair on connection (pair_low, pair_high)
    where state in ('pending', 'accepted');
create index connection_requester on connection (requester_id, state);
create index connection_addressee on connection (addressee_id, state);

create table connection_grant (
    connection_id uuid not null references connection (id) on delete cascade,
    owner_id uuid not null references member (id) on delete cascade,
    viewer_id uuid not null references member (id) on delete cascade,
    clocks boolean not null default false,
    checkins boolean not null default false,
    goals boolean not null default false,
    reach_out boolean not null default false,
    reach_out_order integer,
    updated_at timestamptz not null,
    primary key (connection_id, owner_id)
);
create index connection_grant_viewer on connection_grant (viewer_id, owner_id);

create table block (
    blocker_id uuid not null references member (id) on delete cascade,
    blocked_id uuid not null references member (id) on delete cascade,
    created_at timestamptz not null,
    primary key (blocker_id, blocked_id)
);
create index block_blocked on block (blocked_id, blocker_id);

create table invite (
    id uuid primary key,
    token_hash bytea not null unique,
    inviter_id uuid not null references member (id) on delete cascade,
    relationship text not null check (relationship in
        ('peer', 'mentor', 'mentee', 'listener', 'professional', 'family', 'friend')),
    note text not null default '',
    grant_clocks boolean not null default false,
    grant_checkins boolean not null default false,
    grant_goals boolean not null default false,
    grant_reach_out boolean not null default false,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    used_at timestamptz,
    used_by uuid references member (id) on delete set null,
    revoked_at timestamptz
);
create index invite_inviter on invite (inviter_id);

-- One row per discoverable member: what discovery may use, and nothing the
-- member keeps from members.
create table discovery_card (
    member_id uuid primary key references member (id) on delete cascade,
    handle text not null,
    stage_start date,
    focus text not null,
    pathway text not null,
    languages text not null,
    time_zone text not null,
    mentor_spare integer not null,
    listener boolean not null,
    duty_hours text not null,
    professional_title text not null,
    updated_at timestamptz not null
);

-- The candidate index: `kind|attribute` tags such as `peer|*`,
-- `peer|f:alcohol`, `mentor|*`, with the stage start for range scans.
create table discovery_tag (
    tag text not null,
    stage_start date not null,
    member_id uuid not null references member (id) on delete cascade,
    primary key (tag, stage_start, member_id)
);
create index discovery_tag_member on discovery_tag (member_id);
