-- 案场 that have sent nothing for as-of's month (001 第一篇 §五.A.2): each is due by the next
-- timeliness tier boundary still ahead (submissions before that day lose the tier's share), or,
-- once every tier has passed, late since the last one.
with unsubmitted as (
    select s.site_id, s.site_name
    from fct_site_months as s
    anti join stg_sales_submissions as b
        on b.site_id = s.site_id and b.month_key = getvariable('month_key')
    where s.is_assessed_sales
),

-- each tier's boundary: submitted before this day of the month keeps the tier
tiers as (
    select
        t.before_day,
        t.off,
        getvariable('month_start') + to_days(t.before_day - 1) as boundary
    from (select unnest(getvariable('timeliness_off')) as t)
),

next_tier as (
    select
        coalesce(min(boundary) filter (where boundary > getvariable('as_of')), max(boundary)) as deadline
    from tiers
)

select
    'sales_unsubmitted' as kind,
    u.site_id,
    u.site_id || ' ' || getvariable('month_key') as record_id,
    null::varchar as unit,
    '递交本月客户资料' as due,
    getvariable('month_key') || ' 尚未递交；' || case
        when n.deadline > getvariable('as_of') then t.before_day || ' 日前递交扣 ' || (t.off * 100)::integer || '%'
        else '各档已过，递交及时性扣 ' || (getvariable('timeliness_off_late') * 100)::integer || '%' end as detail,
    n.deadline,
    hours_left(n.deadline) as hours_left,
    null::double as age_days,
    s.source_file,
    s.source_line,
    null::varchar as contact_name,
    null::varchar as contact_phone
from unsubmitted as u
cross join next_tier as n
join tiers as t on t.boundary = n.deadline
join stg_sites as s using (site_id)
