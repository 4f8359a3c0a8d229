-- One row per completed repair ticket, counted in the ISO week and month it was completed,
-- with its callback deadline: 安全 2 days, 渗/漏 3 days, urgent 24 h, others 7 days; the
-- shortest that applies (003 §二.5, §五.6–7; contract §2).
with completed as (
    select * from stg_repairs
    where completed_at is not null
),

deadlines as (
    select
        *,
        least(
            getvariable('default_hours'),
            case when len([k for k in getvariable('safety_keywords') if contains(category, k)]) > 0
                then getvariable('safety_hours') end,
            case when len([k for k in getvariable('leak_keywords') if contains(category, k)]) > 0
                then getvariable('leak_hours') end,
            case when urgent then getvariable('urgent_hours') end
        ) as deadline_hours
    from completed
)

select
    *,
    strftime(completed_at, '%Y-%m') as month_key,
    strftime(completed_at, '%G-W%V') as week_key,
    completed_at + to_hours(deadline_hours) as callback_deadline,
    callback_at + to_hours(getvariable('second_callback_after_hours')) as second_callback_due
from deadlines
