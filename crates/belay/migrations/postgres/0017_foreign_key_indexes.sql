-- An index for every foreign key's column that had none. Deleting a parent
-- row finds its children through the child table's index on the key, and
-- without one reads the whole child table: deleting a clock or a goal read
-- every feed item (about 630,000 on the 100,000-member demo) and erasing a
-- member read every message, access-log entry and group post, each inside
-- the write lock while every other write on the instance waited. Columns
-- that are mostly empty get partial indexes (a lookup by value implies the
-- value is not null, so both backends use them). A test keeps it so
-- (tests/it/schema.rs). SQLite twin: sqlite/0017.
create index invite_used_by on invite (used_by) where used_by is not null;
create index message_sender_id on message (sender_id);
create index reach_out_step_member_id on reach_out_step (member_id) where member_id is not null;
create index encouragement_goal_id on encouragement (goal_id) where goal_id is not null;
create index encouragement_clock_id on encouragement (clock_id) where clock_id is not null;
create index encouragement_sender_id on encouragement (sender_id);
create index feed_item_goal_id on feed_item (goal_id) where goal_id is not null;
create index feed_item_clock_id on feed_item (clock_id) where clock_id is not null;
create index help_offer_member_id on help_offer (member_id);
create index peer_group_created_by on peer_group (created_by) where created_by is not null;
create index group_invite_created_by on group_invite (created_by) where created_by is not null;
create index group_thread_author_id on group_thread (author_id) where author_id is not null;
create index group_post_author_id on group_post (author_id) where author_id is not null;
create index group_post_group_id on group_post (group_id);
create index group_thread_read_thread_id on group_thread_read (thread_id);
create index group_report_resolved_by on group_report (resolved_by) where resolved_by is not null;
create index group_report_member_id on group_report (member_id) where member_id is not null;
create index group_report_post_id on group_report (post_id) where post_id is not null;
create index group_report_reporter_id on group_report (reporter_id) where reporter_id is not null;
create index group_mod_log_target_post on group_mod_log (target_post) where target_post is not null;
create index group_mod_log_target_member on group_mod_log (target_member) where target_member is not null;
create index group_mod_log_actor_id on group_mod_log (actor_id) where actor_id is not null;
create index access_log_viewer_id on access_log (viewer_id) where viewer_id is not null;
create index report_resolved_by on report (resolved_by) where resolved_by is not null;
create index report_group_report_id on report (group_report_id) where group_report_id is not null;
create index report_reporter_id on report (reporter_id) where reporter_id is not null;
create index moderation_action_report_id on moderation_action (report_id) where report_id is not null;
create index moderation_action_actor_id on moderation_action (actor_id) where actor_id is not null;
