-- The return-rate penalty (000 §4.8.4.2, §4.8.4.5(1)c): one point off satisfaction for every
-- full 5 points a site's return rate falls short of its target; adjusted satisfaction not
-- below 0. Integer arithmetic in basis points keeps boundaries exact: a 10-point shortfall is
-- 2 points. Company-wide rows pool the sites (contract §2): adjusted satisfaction sums the
-- sites' adjusted numerators; the penalty is the sites' points weighted by their answers.
with rates as (
    select * from metric_rates
    where metric in ('survey.return_rate', 'survey.satisfaction') and site_id is not null
),

paired as (
    select
        r.site_id,
        r.period,
        r.numerator as returned,
        r.denominator as issued,
        cast(round(r.target * 10000) as bigint) as target_bp,
        s.numerator as satisfied,
        s.denominator as answered
    from rates as r
    join rates as s on s.metric = 'survey.satisfaction' and s.site_id = r.site_id and s.period = r.period
    where r.metric = 'survey.return_rate'
),

per_site as (
    select
        site_id,
        period,
        answered,
        case when issued > 0 then
            greatest(0, (target_bp * issued - returned * 10000) // (getvariable('penalty_step_points') * 100 * issued))
        end as penalty,
        -- satisfied answers in percentage points, less the penalty's points for every answer
        greatest(0, satisfied * 100 - coalesce(penalty, 0) * answered) as adjusted_points
    from paired
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
