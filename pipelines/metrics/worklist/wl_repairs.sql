-- The desk's open repair callbacks (003 §二.5, §五.6–7; 000 §4.7.4.4), from fct_repair_tickets
-- with its category deadline; one row per ticket and kind:
--   repair_callback      completed, no callback and no attempt yet: due by the category deadline
--   repair_retry         an attempt found no one (未联系上) and nothing since: try again by the deadline
--   repair_second        urgent, first callback made, no second: due second_callback_after_hours after it
--   repair_dissatisfied  the callback found the owner 不满意 and no later callback
with tickets as (
    select * from fct_repair_tickets
),

items as (
    select 'repair_callback' as kind, *, '维修回访' as due, callback_deadline as deadline,
        '完成 ' || strftime(completed_at, '%m-%d %H:%M') || '，回访期限 ' || deadline_hours || ' 小时' as state
    from tickets
    where callback_at is null and unreached_at is null
    union all
    select 'repair_retry', *, '再次联系回访', callback_deadline,
        strftime(unreached_at, '%m-%d %H:%M') || ' 回访未联系上，回访期限 ' || deadline_hours || ' 小时'
    from tickets
    where callback_at is null and unreached_at is not null
    union all
    select 'repair_second', *, '急修二次回访', second_callback_due,
        '首次回访 ' || strftime(callback_at, '%m-%d %H:%M') || '，二次回访须在其后 '
        || getvariable('second_callback_after_hours') || ' 小时'
    from tickets
    where urgent and callback_at is not null and second_callback_at is null
    union all
    select 'repair_dissatisfied', *, '再次回访（直至满意）', null,
        strftime(callback_at, '%m-%d %H:%M') || ' 回访不满意'
    from tickets
    where callback_result = '不满意' and callback_at is not null and second_callback_at is null
)

select
    kind,
    site_id,
    ticket_id as record_id,
    unit,
    due,
    category || case when urgent then '（急修）' else '' end || '；' || state as detail,
    deadline,
    hours_left(deadline) as hours_left,
    days_since(completed_at) as age_days,
    source_file,
    source_line,
    null::varchar as contact_name,  -- the repair export names no one
    null::varchar as contact_phone
from items
