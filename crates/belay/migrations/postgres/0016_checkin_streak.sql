-- Each member's latest run of consecutive check-in days and their longest
-- run ever, kept by every save (`checkins::store::save`), instead of up to
-- 1,000 check-ins read back per save and per page. SQLite twin:
-- sqlite/0016, which says more.
create table checkin_streak (
    member_id uuid primary key references member (id) on delete cascade,
    -- The run ending on the member's latest check-in: every day between the
    -- two has one.
    run_start date not null,
    run_end date not null check (run_end >= run_start),
    longest integer not null check (longest >= 1)
);

-- From the check-ins there are: consecutive days share the difference
-- between the day and its rank (gaps and islands).
insert into checkin_streak (member_id, run_start, run_end, longest)
with island as (
    select member_id, local_date,
        local_date - (row_number() over (partition by member_id order by local_date))::integer
            as island
    from checkin
), run as (
    select member_id, min(local_date) as run_start, max(local_date) as run_end,
        count(*) as days
    from island group by member_id, island
), ranked as (
    select member_id, run_start, run_end,
        max(days) over (partition by member_id) as longest,
        row_number() over (partition by member_id order by run_end desc) as nth
    from run
)
select member_id, run_start, run_end, longest
from ranked where nth = 1;
