-- The week's statistics, by ISO week (Monday start) for every week with a day in the month, per
-- site and company:
--   complaint.count_weekly   counted complaints by the week of receipt, once per event and
--                            category as in complaint.count (003 篇5 §七.5)
--   repair.received_weekly   repair tickets received (000 §4.10.4.14; 002 §四(二)1 报修)
--   repair.completed_weekly  repair tickets completed by as-of (… 完成)
with spine as (
    select * from fct_metric_spine
    where metric in ('complaint.count_weekly', 'repair.received_weekly', 'repair.completed_weekly')
),

counted as (
    select 'complaint.count_weekly' as metric, site_id, strftime(received_at, '%G-W%V') as period, count(*) as n
    from fct_complaint_groups
    group by all
    union all
    select 'repair.received_weekly', site_id, strftime(reported_at, '%G-W%V'), count(*)
    from stg_repairs
    group by all
    union all
    select 'repair.completed_weekly', site_id, week_key, count(*)
    from fct_repair_tickets
    group by all
),

per_site as (
    select s.metric, s.site_id, s.period, coalesce(c.n, 0) as n
    from spine as s
    left join counted as c using (metric, site_id, period)
)

select metric, site_id, period, n as value, n as numerator
from per_site
union all
select metric, null, period, sum(n), sum(n)
from per_site
group by metric, period
