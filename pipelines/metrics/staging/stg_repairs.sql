-- 报修记录 as known at as-of: a completion or callback dated later has not happened yet.
with repairs as (
    select * from main.repairs
    where reported_at <= getvariable('as_of')
),

known as (
    select
        ticket_id,
        site_id,
        unit,
        category,
        urgent,
        reported_at,
        case when completed_at <= getvariable('as_of') then completed_at end as completed_at,
        case when callback_at <= getvariable('as_of') then callback_at end as callback_at,
        case when second_callback_at <= getvariable('as_of') then second_callback_at end as second_callback_at,
        callback_result,
        source_file,
        source_line
    from repairs
)

select * from known
