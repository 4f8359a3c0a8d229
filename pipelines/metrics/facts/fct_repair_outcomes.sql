-- Each completed ticket's outcome on each repair rate (contract §2). A ticket with no
-- callback yet is pending until its deadline has passed, then a miss.
with tickets as (
    select
        *,
        callback_deadline > getvariable('as_of') as deadline_ahead  -- still ahead: pending; reached: decided
    from fct_repair_tickets
),

callback as (
    select *,
        case when callback_at is not null then 'hit' when deadline_ahead then 'pending' else 'miss' end as outcome
    from tickets
),

on_time as (
    select *,
        case
            when callback_at <= callback_deadline then 'hit'
            when callback_at is not null then 'miss'
            when deadline_ahead then 'pending'
            else 'miss'
        end as outcome
    from tickets
),

second as (
    select *,
        case
            when callback_at is null then case when deadline_ahead then 'pending' else 'miss' end
            when second_callback_at >= second_callback_due then 'hit'
            when second_callback_at is not null then 'miss'
            when second_callback_due > getvariable('as_of') then 'pending'
            else 'miss'
        end as outcome
    from tickets
    where urgent
),

outcomes as (
    select 'repair.callback_rate' as metric, month_key as period, * from callback
    union all
    select 'repair.callback_rate_weekly', week_key, * from callback
    union all
    select 'repair.callback_on_time_rate', month_key, * from on_time
    union all
    select 'repair.urgent_second_callback_rate', month_key, * from second
)

select
    metric,
    site_id,
    period,
    outcome,
    null::decimal(9, 4) as target,
    numerator_part(outcome) as numerator,
    denominator_part(outcome) as denominator,
    'repairs' as dataset,
    category,
    deadline_hours,
    ticket_id as record_id,
    source_file,
    source_line,
    null as source_rows,
    -- only misses and pending are listed as evidence: hits need no sentence
    case when outcome <> 'hit' then category || '；完成 ' || strftime(completed_at, '%m-%d %H:%M')
        || '；回访期限 ' || deadline_hours || ' 小时'
        || case
            when callback_at is null then '；未回访'
            when callback_at > callback_deadline
                then '；回访晚了 ' || duration_text(date_diff('minute', callback_deadline, callback_at))
            else '；已回访'
        end
        || case when unreached_at is not null
            then '；' || strftime(unreached_at, '%m-%d %H:%M') || ' 回访未联系上（不算回访）' else '' end
        || case when metric = 'repair.urgent_second_callback_rate' then
            case when second_callback_at is null then '；无二次回访'
                 else '；二次回访距首次 ' || duration_text(date_diff('minute', callback_at, second_callback_at)) end
           else '' end end as detail
from outcomes
