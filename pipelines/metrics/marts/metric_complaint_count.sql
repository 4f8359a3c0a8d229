-- complaint.count: counted complaints received in the month (002 §四(二)5)), per site and company.
with spine as (
    select * from fct_metric_spine where metric = 'complaint.count'
),

counted as (
    select site_id, count(*) as complaints
    from fct_complaint_groups
    where month_key = getvariable('month_key')
    group by site_id
),

per_site as (
    select s.metric, s.site_id, s.period, coalesce(c.complaints, 0) as complaints
    from spine as s
    left join counted as c using (site_id)
)

select metric, site_id, period, complaints as value, complaints as numerator
from per_site
union all
select 'complaint.count', null, getvariable('month_key'), sum(complaints), sum(complaints)
from per_site
