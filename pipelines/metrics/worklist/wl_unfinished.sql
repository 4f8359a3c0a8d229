-- Unfinished repair tickets (002 §四(二)1 日盘点: 未完成的及原因): reported by as-of, not
-- completed by then; their age in days, oldest first on the page, with the reason given.
select
    'repair_unfinished' as kind,
    site_id,
    ticket_id as record_id,
    unit,
    '未完成维修' as due,
    category || case when urgent then '（急修）' else '' end
        || '；报修 ' || strftime(reported_at, '%m-%d %H:%M')
        || '；未完成原因：' || coalesce(unfinished_reason, '未填') as detail,
    null::timestamp as deadline,
    null::double as hours_left,
    days_since(reported_at) as age_days,
    source_file,
    source_line,
    null::varchar as contact_name,
    null::varchar as contact_phone
from stg_repairs
where completed_at is null
