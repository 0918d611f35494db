-- The meetings' version: one number that every write to a meeting, an
-- exception or a group moves, in the writer's own transaction. The
-- finder's, the exceptions' and the Meeting Guide feed's caches are kept
-- by it. It replaces counts and max(updated_at), which missed a write
-- whose time was taken before another, later-stamped write committed
-- first. The row lock orders such writers: the version a reader sees is
-- the last committed one, and moves with every later commit.
-- Statement triggers that run before the statement, so a transaction
-- takes the version's lock before any meeting or group row's (a fixed
-- order: two such writers queue instead of deadlocking). SQLite twin:
-- sqlite/0014.
create table meeting_version (
    id integer primary key check (id = 1),
    version bigint not null
);
insert into meeting_version (id, version) values (1, 0);

create function meeting_version_bump() returns trigger language plpgsql as $$
begin
    update meeting_version set version = version + 1 where id = 1;
    return null;
end
$$;

create trigger meeting_version_meeting before insert or update or delete on meeting
    for each statement execute function meeting_version_bump();
create trigger meeting_version_exception before insert or update or delete on meeting_exception
    for each statement execute function meeting_version_bump();
create trigger meeting_version_group before insert or update or delete on peer_group
    for each statement execute function meeting_version_bump();

-- The old version's indexes; nothing else reads by these times.
drop index meeting_updated;
drop index peer_group_updated;
