-- 投诉登记 as known at as-of: a complaint received later does not exist yet,
-- and a reply, handling or callback dated later has not happened yet. `is_valid`: not verified
-- as invalid (valid = 否 is the designated person's check, 002 §四(二)5)2; blank = valid).
with complaints as (
    select * from main.complaints
    where received_at <= getvariable('as_of')
),

known as (
    select
        complaint_id,
        site_id,
        event_id,
        category,
        unit,
        received_at,
        coalesce(people, 1) as people,
        coalesce(times, 1) as times,
        coalesce(callback_required, true) as callback_required,
        coalesce(valid, true) as is_valid,
        case when first_reply_at <= getvariable('as_of') then first_reply_at end as first_reply_at,
        case when handled_at <= getvariable('as_of') then handled_at end as handled_at,
        case when callback_at <= getvariable('as_of') then callback_at end as callback_at,
        case when callback_at <= getvariable('as_of') then callback_satisfied end as callback_satisfied,
        source_file,
        source_line
    from complaints
)

select * from known
