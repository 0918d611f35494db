-- The member a notice names (who sent the message, asked for help, claimed
-- the reach-out: its `from` or `by`), so that erasing them takes the notice
-- by this key (`on delete cascade`) instead of reading every notice on the
-- instance inside the write lock. Notices are kept until their member
-- goes, so that read grew without bound. SQLite twin: sqlite/0018.
alter table notice add column about_member_id uuid references member (id) on delete cascade;

-- A handed-back reach-out's notices named both the requester and who
-- stepped away. Now the requester's copy names who stepped away, and the
-- others' copies only the requester, so each notice names one member.
update notice set payload = payload - 'from'
where kind = 'reach_out_handed_back' and payload ->> 'by' is not null
  and member_id = (select m.id from member m where m.handle_key = lower(notice.payload ->> 'from'));
update notice set payload = payload - 'by'
where kind = 'reach_out_handed_back' and payload ->> 'by' is not null
  and payload ->> 'from' is not null;

-- Notices written before this name their member by handle; handles never
-- change, so the handle finds the member (by its key, which is unique and
-- indexed; a handle is its key, lower-cased).
update notice set about_member_id = m.id
from member m
where m.handle_key = lower(coalesce(notice.payload ->> 'from', notice.payload ->> 'by'));

-- Most notices name nobody (milestones, prompts, moderation).
create index notice_about on notice (about_member_id) where about_member_id is not null;
