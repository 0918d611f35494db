-- Check-ins, risk signals, goals, encouragement, the circle feed and
-- practical help (DESIGN capabilities 8, 9 and 10). SQLite twin: sqlite/0005.

-- One check-in per member per local day; a second post that day updates it.
create table checkin (
    member_id uuid not null references member (id) on delete cascade,
    local_date date not null,
    mood integer not null check (mood between 1 and 5),
    craving integer not null check (craving between 0 and 10),
    sleep_hours double precision check (sleep_hours between 0 and 24),
    -- Trigger tags, comma-separated (tags are checked: no commas in them).
    triggers text not null default '',
    gratitude text not null default '',
    note text not null default '',
    -- 0 when first saved; each update of the day adds one.
    revision integer not null default 0,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (member_id, local_date)
);

-- Whether a risk signal may also tell my reach-out list (off by default).
create table checkin_setting (
    member_id uuid primary key references member (id) on delete cascade,
    nudge_list boolean not null default false,
    updated_at timestamptz not null
);

-- Each risk signal fires once per episode: the row is the fence.
create table risk_signal (
    member_id uuid not null references member (id) on delete cascade,
    rule text not null check (rule in ('high_craving', 'low_mood', 'silence')),
    -- The local date the episode began (or, for silence, the last check-in).
    episode date not null,
    fired_at timestamptz not null,
    nudged boolean not null default false,
    primary key (member_id, rule, episode)
);
create index risk_signal_recent on risk_signal (member_id, fired_at);

create table goal (
    id uuid primary key,
    member_id uuid not null references member (id) on delete cascade,
    title text not null,
    why text not null default '',
    cadence text not null check (cadence in ('daily', 'weekly', 'once')),
    target integer check (target between 1 and 10000),
    state text not null default 'active' check (state in ('active', 'completed', 'archived')),
    created_at timestamptz not null,
    updated_at timestamptz not null,
    completed_at timestamptz
);
create index goal_member on goal (member_id, created_at);

create table goal_progress (
    id uuid primary key,
    goal_id uuid not null references goal (id) on delete cascade,
    local_date date not null,
    note text not null default '',
    created_at timestamptz not null
);
create index goal_progress_goal on goal_progress (goal_id, created_at);

create table encouragement (
    id uuid primary key,
    sender_id uuid not null references member (id) on delete cascade,
    recipient_id uuid not null references member (id) on delete cascade,
    body text not null,
    -- What it is about, if anything: a milestone of a clock, a goal, or
    -- the recipient's check-in streak.
    about text check (about in ('milestone', 'goal', 'streak')),
    clock_id uuid references clock (id) on delete set null,
    goal_id uuid references goal (id) on delete set null,
    created_at timestamptz not null
);
create index encouragement_recipient on encouragement (recipient_id, created_at);

-- What a member's connections may see happen, by grant: a milestone
-- (clocks) or goal progress and completion (goals).
create table feed_item (
    id uuid primary key,
    owner_id uuid not null references member (id) on delete cascade,
    kind text not null check (kind in ('milestone', 'goal_progress', 'goal_completed')),
    clock_id uuid references clock (id) on delete cascade,
    goal_id uuid references goal (id) on delete cascade,
    -- e.g. "90 days" or the goal's progress count; never a date or a note.
    detail text not null default '',
    -- False while the goal it is about is archived (partners stop seeing it).
    visible boolean not null default true,
    dedupe_key text not null unique,
    created_at timestamptz not null
);
-- Covers the feed's first pass (which items, newest first) for each owner.
create index feed_item_owner on feed_item (owner_id, created_at, id, kind, visible);

create table help_request (
    id uuid primary key,
    member_id uuid not null references member (id) on delete cascade,
    what text not null,
    when_text text not null default '',
    where_text text not null default '',
    state text not null default 'open' check (state in ('open', 'closed', 'cancelled')),
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index help_request_member on help_request (member_id, created_at);

-- Who was asked (chosen connections, or the whole circle at asking time).
create table help_recipient (
    request_id uuid not null references help_request (id) on delete cascade,
    member_id uuid not null references member (id) on delete cascade,
    primary key (request_id, member_id)
);
create index help_recipient_member on help_recipient (member_id, request_id);

create table help_offer (
    id uuid primary key,
    request_id uuid not null references help_request (id) on delete cascade,
    member_id uuid not null references member (id) on delete cascade,
    note text not null default '',
    state text not null default 'offered' check (state in ('offered', 'accepted', 'declined', 'withdrawn')),
    created_at timestamptz not null,
    unique (request_id, member_id)
);
