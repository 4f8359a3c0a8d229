-- Every rate metric: hits over hits + misses (parts summed where a record weighs more, as
-- surveys do), for every site and period it applies to, and company-wide by pooling
-- numerators and denominators (contract §2). Pending records are counted, not rated.
with outcomes as (
    select * from fct_complaint_outcomes
    union all by name
    select * from fct_repair_outcomes
    union all by name
    select * from fct_call_outcomes
    union all by name
    select * from fct_survey_outcomes
),

spine as (
    select * from fct_metric_spine
    where metric in (select metric from catalogue_metrics where sql = 'marts/metric_rates.sql')
),

per_site as (
    select
        s.metric,
        s.site_id,
        s.period,
        coalesce(sum(o.numerator), 0) as numerator,
        coalesce(sum(o.denominator), 0) as denominator,
        count(*) filter (where o.outcome = 'pending') as pending,
        -- pooled survey campaigns take the strictest of their kinds' targets
        coalesce(max(o.target), any_value(s.target)) as target
    from spine as s
    left join outcomes as o using (metric, site_id, period)
    group by s.metric, s.site_id, s.period
),

-- the company needs what its sites need, pooled: Σ target × denominator (one target per
-- metric reduces to that target; survey kinds mixed across sites weigh in by their size)
company as (
    select metric, null as site_id, period, sum(numerator) as numerator, sum(denominator) as denominator,
        sum(pending) as pending, sum(target * denominator) as required,
        coalesce(sum(target * denominator) / nullif(sum(denominator), 0), max(target)) as target
    from per_site
    where metric in (select metric from catalogue_metrics where company)
    group by metric, period
),

rates as (
    select *, target * denominator as required from per_site
    union all by name
    select * from company
)

select
    metric,
    site_id,
    period,
    case when denominator > 0 then numerator / denominator end as value,
    numerator,
    denominator,
    target,
    case when denominator > 0 and target is not null then numerator >= required end as meets_target,
    pending
from rates
