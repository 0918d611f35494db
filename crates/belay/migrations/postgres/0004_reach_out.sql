-- Reach out: "I need support now", escalated tier by tier until someone
-- answers. The ladder is data: each step has its due time and the time it
-- fired; a step fires once (fenced by `reach_out.next_step`), and each
-- member is asked at most once per reach-out (`reach_out_recipient`).

-- Each member's reach-out choices: whether people in their circle may ask
-- them (responders opt in), how long each person on their own list gets
-- before the next is asked, and the next-day follow-up.
create table reach_out_setting (
    member_id uuid primary key references member (id) on delete cascade,
    receives boolean not null default false,
    wait_seconds integer not null default 300 check (wait_seconds between 1 and 3600),
    follow_up boolean not null default true,
    updated_at timestamptz not null
);

create table reach_out (
    id uuid primary key,
    requester_id uuid not null references member (id) on delete cascade,
    note text not null default '',
    state text not null check (state in ('open', 'claimed', 'resolved', 'cancelled')),
    -- The step that fires next; every step before it has fired.
    next_step integer not null default 0,
    wait_seconds integer not null,
    claimed_by uuid references member (id) on delete set null,
    claimed_at timestamptz,
    -- How many times it was claimed (a hand-back and a new claim: 2).
    claims integer not null default 0,
    exhausted_at timestamptz,
    idempotency_key text,
    created_at timestamptz not null,
    closed_at timestamptz,
    updated_at timestamptz not null,
    unique (requester_id, idempotency_key)
);
create index reach_out_requester on reach_out (requester_id, created_at);
create index reach_out_claimer on reach_out (claimed_by) where claimed_by is not null;

-- Tier 1: one step per person on the list, in order; tier 2: the rest of
-- the circle; tier 3: listeners on duty; tier 4: moderators.
create table reach_out_step (
    reach_out_id uuid not null references reach_out (id) on delete cascade,
    seq integer not null,
    tier integer not null check (tier between 1 and 4),
    member_id uuid references member (id) on delete set null,
    due_at timestamptz,
    fired_at timestamptz,
    asked integer not null default 0,
    primary key (reach_out_id, seq)
);

create table reach_out_recipient (
    reach_out_id uuid not null references reach_out (id) on delete cascade,
    member_id uuid not null references member (id) on delete cascade,
    tier integer not null,
    seq integer not null,
    notified_at timestamptz not null,
    primary key (reach_out_id, member_id)
);
create index reach_out_recipient_member on reach_out_recipient (member_id, notified_at);
