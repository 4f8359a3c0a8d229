-- complaint.count_weekly: counted complaints by the ISO week (Monday start) of their receipt, for
-- each week with a day in the month (003 篇5 §七.5 weekly complaint statistics), per site and
-- company. A complaint counts once (an event and category), as in complaint.count.
with spine as (
    select * from fct_metric_spine where metric = 'complaint.count_weekly'
),

counted as (
    select site_id, strftime(received_at, '%G-W%V') as period, count(*) as complaints
    from fct_complaint_groups
    group by all
),

per_site as (
    select s.metric, s.site_id, s.period, coalesce(c.complaints, 0) as complaints
    from spine as s
    left join counted as c using (site_id, period)
)

select metric, site_id, period, complaints as value, complaints as numerator
from per_site
union all
select metric, null, period, sum(complaints), sum(complaints)
from per_site
group by metric, period
