-- The circle feed, fanned out on write (DESIGN capability 9): each viewer's
-- copy of the feed items their grants let them see, written when an item is
-- recorded and again whenever a grant between two members changes, so a
-- feed page reads one index range instead of every connection's items.
-- A copy is an index, never a permission: the feed query checks the grants
-- again for every row it returns. PostgreSQL twin: postgres/0010.
create table feed_entry (
    viewer_id blob not null references member (id) on delete cascade,
    created_at text not null,
    item_id blob not null references feed_item (id) on delete cascade,
    -- The item's owner: which rows to drop when a grant is taken back.
    owner_id blob not null,
    primary key (viewer_id, created_at, item_id)
) strict, without rowid;
create index feed_entry_item on feed_entry (item_id);

insert into feed_entry (viewer_id, created_at, item_id, owner_id)
select v.viewer_id, f.created_at, f.id, f.owner_id
from feed_item f
join connection_grant v on v.owner_id = f.owner_id
join connection c on c.id = v.connection_id and c.state = 'accepted'
where ((f.kind = 'milestone' and v.clocks) or (f.kind <> 'milestone' and v.goals))
  and not exists (select 1 from block b
                  where (b.blocker_id = v.owner_id and b.blocked_id = v.viewer_id)
                     or (b.blocker_id = v.viewer_id and b.blocked_id = v.owner_id));

-- Fanning an owner's new item out to those who hold their grants.
create index connection_grant_owner on connection_grant (owner_id);
