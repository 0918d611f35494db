-- Each member's latest run of consecutive check-in days and their longest
-- run ever, kept by every save (`checkins::store::save`). Before this, a
-- save read up to 1,000 of the member's check-ins back inside the write
-- lock to count the streak, and the check-in page read them again; a member
-- two years in read some 730 rows on every save, and a run longer than the
-- read showed as 1,000 days. PostgreSQL twin: postgres/0016.
create table checkin_streak (
    member_id blob primary key references member (id) on delete cascade,
    -- The run ending on the member's latest check-in: every day between the
    -- two has one.
    run_start text not null,
    run_end text not null check (run_end >= run_start),
    longest integer not null check (longest >= 1)
) strict, without rowid;

-- From the check-ins there are: consecutive days share the difference
-- between the day's number and its rank (gaps and islands).
insert into checkin_streak (member_id, run_start, run_end, longest)
with island as (
    select member_id, local_date,
        cast(julianday(local_date) as integer)
            - row_number() over (partition by member_id order by local_date) as island
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
