-- 案场 call and visit groups: distinct phone numbers per site and month, new and old alike,
-- over all calls (in and out, answered or not) and all visits with a phone (001 §六(二)).
with contacts as (
    select 'sales.call_groups' as metric, site_id, phone from stg_calls
    where started_at >= getvariable('month_start') and started_at < getvariable('next_month')
    union all
    select 'sales.visit_groups', site_id, phone from stg_visits
    where visited_at >= getvariable('month_start') and visited_at < getvariable('next_month')
        and phone is not null
),

groups as (
    select metric, site_id, count(distinct phone) as phones from contacts group by metric, site_id
)

select
    s.metric,
    s.site_id,
    s.period,
    coalesce(g.phones, 0) as value,
    coalesce(g.phones, 0) as numerator
from fct_metric_spine as s
left join groups as g using (metric, site_id)
where s.metric in ('sales.call_groups', 'sales.visit_groups')
