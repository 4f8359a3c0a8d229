-- The desk's open complaint items (000 §4.7.4.4, 003 §二.3), one per counted complaint and
-- kind, from fct_complaint_groups as it stands at as-of (one open row keeps the whole group open):
--   complaint_reply         no reply and not handled: due within reply_hours of receipt
--   complaint_callback      handled, a callback needed, not every row called back
--   complaint_dissatisfied  called back and not satisfied (a blank counts as not satisfied,
--                           as for closure): call back until satisfied; the register has one
--                           callback column, so any callback there is the latest
with groups as (
    select * from fct_complaint_groups
),

-- the complainants' names, shown only when the desk asks for contacts ([worklist] show_contacts)
contacts as (
    select
        site_id,
        coalesce('event:' || event_id, 'row:' || complaint_id) as group_key,  -- as fct_complaint_groups keys a group
        category,
        string_agg(distinct complainant, '、' order by complainant) as contact_name
    from main.complaints
    group by all
),

items as (
    select 'complaint_reply' as kind, *, '投诉答复' as due, reply_deadline as deadline,
        '受理 ' || strftime(received_at, '%m-%d %H:%M') || '，尚未答复' as state
    from groups
    where replied_at is null
    union all
    select 'complaint_callback', *, '投诉回访', null,
        '处理完毕 ' || strftime(handled_at, '%m-%d %H:%M') || '，'
        || case when row_count > 1 then row_count || ' 条记录中 ' || rows_without_callback || ' 条未回访'
                else '未回访' end
    from groups
    where handled_at is not null and callback_required and callback_at is null
    union all
    select 'complaint_dissatisfied', *, '再次回访（直至满意）', null,
        strftime(callback_at, '%m-%d %H:%M') || ' 回访'
        || case when callback_satisfied is null then '未记录是否满意' else '不满意' end
    from groups
    where callback_required and callback_at is not null and not coalesce(callback_satisfied, false)
)

select
    i.kind,
    i.site_id,
    i.complaint_ids as record_id,
    i.unit,
    i.due,
    i.category || '；' || i.state as detail,
    i.deadline,
    hours_left(i.deadline) as hours_left,
    days_since(i.received_at) as age_days,
    i.source_file,
    i.source_line,
    c.contact_name,
    null::varchar as contact_phone  -- the register has no phone column
from items as i
left join contacts as c using (site_id, group_key, category)
