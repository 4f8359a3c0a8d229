-- The periods the desk's statistics cover (002 §四(二)1 日盘点; 000 §4.10.4.10–14; 003 篇5 §七.5):
-- the day summarised — as-of's own day up to as-of from summary_same_day_from_hour on (the 17:00
-- summary), else the whole day before (the 02:00 run) — and the ISO week before as-of's, which
-- the page shows on Mondays.
with clock as (
    select
        cast(getvariable('as_of') as timestamp) as as_of,
        cast(getvariable('as_of') as date) as as_of_day
),

chosen as (
    select
        *,
        case when hour(as_of) >= getvariable('summary_same_day_from_hour') then as_of_day
             else as_of_day - to_days(1) end as summary_day,
        cast(date_trunc('week', as_of_day) as date) as this_week
    from clock
)

select
    summary_day,
    cast(summary_day as timestamp) as day_start,
    least(cast(summary_day + to_days(1) as timestamp), as_of) as day_end,
    cast(this_week - to_weeks(1) as timestamp) as week_start,
    cast(this_week as timestamp) as week_end,
    strftime(this_week - to_weeks(1), '%G-W%V') as week_key,
    isodow(as_of_day) = 1 as is_monday
from chosen
