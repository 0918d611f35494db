-- The meetings' version: one number that every write to a meeting, an
-- exception or a group moves, in the writer's own transaction. The
-- finder's, the exceptions' and the Meeting Guide feed's caches are kept
-- by it. It replaces counts and max(updated_at), which missed a write
-- whose time was taken before another, later-stamped write committed.
-- Triggers, so no write path (erasure's cascades included) can forget it.
-- PostgreSQL twin: postgres/0014.
create table meeting_version (
    id integer primary key check (id = 1),
    version integer not null
) strict;
insert into meeting_version (id, version) values (1, 0);

create trigger meeting_version_meeting_insert after insert on meeting
begin update meeting_version set version = version + 1 where id = 1; end;
create trigger meeting_version_meeting_update after update on meeting
begin update meeting_version set version = version + 1 where id = 1; end;
create trigger meeting_version_meeting_delete after delete on meeting
begin update meeting_version set version = version + 1 where id = 1; end;

create trigger meeting_version_exception_insert after insert on meeting_exception
begin update meeting_version set version = version + 1 where id = 1; end;
create trigger meeting_version_exception_update after update on meeting_exception
begin update meeting_version set version = version + 1 where id = 1; end;
create trigger meeting_version_exception_delete after delete on meeting_exception
begin update meeting_version set version = version + 1 where id = 1; end;

create trigger meeting_version_group_insert after insert on peer_group
begin update meeting_version set version = version + 1 where id = 1; end;
create trigger meeting_version_group_update after update on peer_group
begin update meeting_version set version = version + 1 where id = 1; end;
create trigger meeting_version_group_delete after delete on peer_group
begin update meeting_version set version = version + 1 where id = 1; end;

-- The old version's indexes; nothing else reads by these times.
drop index meeting_updated;
drop index peer_group_updated;
