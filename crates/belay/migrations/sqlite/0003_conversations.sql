-- SQLite twin of postgres/0003.

create table event (
    id integer primary key autoincrement,
    member_id blob not null references member (id) on delete cascade,
    kind text not null,
    payload text not null,
    created_at text not null
) strict;
create index event_member on event (member_id, id);

create table message (
    id blob primary key,
    sender_id blob not null references member (id) on delete cascade,
    recipient_id blob not null references member (id) on delete cascade,
    pair_low blob not null,
    pair_high blob not null,
    body text not null,
    created_at text not null,
    read_at text
) strict;
create index message_pair on message (pair_low, pair_high, created_at);
create index message_unread on message (recipient_id, sender_id) where read_at is null;

alter table member add column email_notices integer not null default 0;
alter table member add column quiet_start text;
alter table member add column quiet_end text;
alter table member add column quiet_allows_reach_out integer not null default 1;

alter table notice add column emailed_at text;
