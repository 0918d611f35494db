-- SQLite twin of postgres/0002. The discovery tables are WITHOUT ROWID:
-- their lookups are by primary key, and this saves one B-tree search each.
-- Circle and discovery: capacities members opt in to, connections with
-- per-side grants, blocks, invite links, and the discovery index (only what
-- each discoverable member lets members see).

create table capacity (
    member_id blob primary key references member (id) on delete cascade,
    mentor integer not null default 0,
    mentor_capacity integer not null default 3 check (mentor_capacity between 1 and 20),
    listener integer not null default 0,
    duty_hours text not null default '',
    professional integer not null default 0,
    professional_title text not null default '',
    professional_licence text not null default '',
    verified_at text,
    updated_at text not null
) strict;

create table connection (
    id blob primary key,
    requester_id blob not null references member (id) on delete cascade,
    addressee_id blob not null references member (id) on delete cascade,
    pair_low blob not null,
    pair_high blob not null,
    relationship text not null check (relationship in
        ('peer', 'mentor', 'mentee', 'listener', 'professional', 'family', 'friend')),
    state text not null check (state in ('pending', 'accepted', 'declined', 'ended')),
    created_at text not null,
    responded_at text,
    updated_at text not null
) strict;
create unique index connection_live_pair on connection (pair_low, pair_high)
    where state in ('pending', 'accepted');
create index connection_requester on connection (requester_id, state);
create index connection_addressee on connection (addressee_id, state);

create table connection_grant (
    connection_id blob not null references connection (id) on delete cascade,
    owner_id blob not null references member (id) on delete cascade,
    viewer_id blob not null references member (id) on delete cascade,
    clocks integer not null default 0,
    checkins integer not null default 0,
    goals integer not null default 0,
    reach_out integer not null default 0,
    reach_out_order integer,
    updated_at text not null,
    primary key (connection_id, owner_id)
) strict;
create index connection_grant_viewer on connection_grant (viewer_id, owner_id);

create table block (
    blocker_id blob not null references member (id) on delete cascade,
    blocked_id blob not null references member (id) on delete cascade,
    created_at text not null,
    primary key (blocker_id, blocked_id)
) strict;
create index block_blocked on block (blocked_id, blocker_id);

create table invite (
    id blob primary key,
    token_hash blob not null unique,
    inviter_id blob not null references member (id) on delete cascade,
    relationship text not null check (relationship in
        ('peer', 'mentor', 'mentee', 'listener', 'professional', 'family', 'friend')),
    note text not null default '',
    grant_clocks integer not null default 0,
    grant_checkins integer not null default 0,
    grant_goals integer not null default 0,
    grant_reach_out integer not null default 0,
    created_at text not null,
    expires_at text not null,
    used_at text,
    used_by blob references member (id) on delete set null,
    revoked_at text
) strict;
create index invite_inviter on invite (inviter_id);

-- One row per discoverable member: what discovery may use, and nothing the
-- member keeps from members.
create table discovery_card (
    member_id blob primary key references member (id) on delete cascade,
    handle text not null,
    stage_start text,
    focus text not null,
    pathway text not null,
    languages text not null,
    time_zone text not null,
    mentor_spare integer not null,
    listener integer not null,
    duty_hours text not null,
    professional_title text not null,
    updated_at text not null
) strict, without rowid;

-- The candidate index: `kind|attribute` tags such as `peer|*`,
-- `peer|f:alcohol`, `mentor|*`, with the stage start for range scans.
create table discovery_tag (
    tag text not null,
    stage_start text not null,
    member_id blob not null references member (id) on delete cascade,
    primary key (tag, stage_start, member_id)
) strict, without rowid;
create index discovery_tag_member on discovery_tag (member_id);
