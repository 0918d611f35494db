-- Conversations and notices: private messages, the per-member event log
-- behind live updates (ids let a reconnecting client resume), and each
-- member's notice settings.

create table event (
    id bigint generated always as identity primary key,
    member_id uuid not null references member (id) on delete cascade,
    kind text not null,
    payload jsonb not null,
    created_at timestamptz not null
);
create index event_member on event (member_id, id);

create table message (
    id uuid primary key,
    sender_id uuid not null references member (id) on delete cascade,
    recipient_id uuid not null references member (id) on delete cascade,
    pair_low uuid not null,
    pair_high uuid not null,
    body text not null,
    created_at timestamptz not null,
    read_at timestamptz
);
create index message_pair on message (pair_low, pair_high, created_at);
create index message_unread on message (recipient_id, sender_id) where read_at is null;

alter table member add column email_notices boolean not null default false;
alter table member add column quiet_start text;
alter table member add column quiet_end text;
alter table member add column quiet_allows_reach_out boolean not null default true;

alter table notice add column emailed_at timestamptz;
