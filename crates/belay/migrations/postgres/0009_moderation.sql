-- Instance moderation (DESIGN capability 14): reports about members and
-- what they wrote, the moderators' queue, every action with who, when, what
-- and why, and a member's standing (suspended until, banned).
-- SQLite twin: sqlite/0009.
alter table member add column suspended_until timestamptz;
alter table member add column banned_at timestamptz;
-- The member's own choice: when something they write screens high,
-- instance moderators are asked to check on them (never shown the text).
alter table member add column moderators_may_check boolean not null default false;

alter table message add column hidden_at timestamptz;
alter table help_request add column hidden_at timestamptz;

create table report (
    id uuid primary key,
    -- null: raised by the member's own opt-in, or the reporter left.
    reporter_id uuid references member (id) on delete set null,
    -- The member concerned; their erasure takes the report with it.
    subject_id uuid not null references member (id) on delete cascade,
    -- 'member', 'message', 'group_post', 'help_request' or 'check_on_me'.
    kind text not null check (kind in ('member', 'message', 'group_post', 'help_request', 'check_on_me')),
    content_id uuid,
    category text not null check (category in ('at_risk', 'harassment', 'hate', 'sexual', 'privacy', 'spam', 'other')),
    reason text not null,
    -- 3 someone may be at risk, 2 harm to others, 1 other, 0 spam.
    risk bigint not null,
    -- 'member' (a report), 'group' (a group's moderators passed it up),
    -- 'opt_in' (the member's own "let moderators check on me").
    source text not null check (source in ('member', 'group', 'opt_in')),
    group_report_id uuid references group_report (id) on delete set null,
    -- The group moderator's note when they passed it up.
    note text not null default '',
    state text not null default 'open' check (state in ('open', 'dismissed', 'actioned')),
    created_at timestamptz not null,
    resolved_at timestamptz,
    resolved_by uuid references member (id) on delete set null
);
create index report_queue on report (state, risk, created_at);
create index report_subject on report (subject_id, created_at);

create table moderation_action (
    id uuid primary key,
    actor_id uuid references member (id) on delete set null,
    subject_id uuid not null references member (id) on delete cascade,
    report_id uuid references report (id) on delete set null,
    action text not null check (action in ('dismiss', 'hide', 'warn', 'suspend', 'ban', 'lift', 'checked')),
    reason text not null,
    -- Suspensions: when it ends.
    until timestamptz,
    created_at timestamptz not null
);
create index moderation_action_subject on moderation_action (subject_id, created_at);
create index moderation_action_at on moderation_action (created_at);
