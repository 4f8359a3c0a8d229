-- The return-rate penalty (000 §4.8.4.2, §4.8.4.5(1)c) and adjusted satisfaction as metrics,
-- per site from survey_penalties. Company-wide rows pool the sites (contract §2): adjusted
-- satisfaction sums the sites' adjusted numerators; the penalty is the sites' points weighted
-- by their answers.
with per_site as (
    select * from survey_penalties
),

pooled as (
    select site_id, period, answered, penalty, penalty * answered as weighted_penalty, adjusted_points
    from per_site
    union all
    select null, period, sum(answered), null, sum(penalty * answered), sum(adjusted_points)
    from per_site
    group by period
),

adjusted_target as (
    select target from catalogue_metrics where metric = 'survey.satisfaction_adjusted'
)

select
    'survey.penalty_points' as metric, site_id, period,
    case when site_id is not null then penalty when answered > 0 then weighted_penalty / answered end as value,
    case when site_id is null then weighted_penalty end as numerator,
    case when site_id is null then answered end as denominator
from pooled
union all by name
select
    'survey.satisfaction_adjusted' as metric, site_id, period,
    case when answered > 0 then adjusted_points / (answered * 100) end as value,
    adjusted_points / 100 as numerator,
    answered as denominator,
    (select target from adjusted_target) as target,
    case when answered > 0 then adjusted_points >= (select target from adjusted_target) * 100 * answered end
        as meets_target
from pooled
