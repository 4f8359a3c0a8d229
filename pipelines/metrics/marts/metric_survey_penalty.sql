-- The return-rate penalty (000 §4.8.4.2, §4.8.4.5(1)c): one point off satisfaction for every
-- full 5 points the return rate falls short of its target; adjusted satisfaction not below 0.
-- Integer arithmetic in basis points keeps boundaries exact: a 10-point shortfall is 2 points.
with rates as (
    select * from metric_rates
    where metric in ('survey.return_rate', 'survey.satisfaction')
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
    join rates as s
        on s.metric = 'survey.satisfaction'
        and s.site_id is not distinct from r.site_id
        and s.period = r.period
    where r.metric = 'survey.return_rate'
),

penalised as (
    select
        *,
        case when issued > 0 then
            greatest(0, (target_bp * issued - returned * 10000) // (getvariable('penalty_step_points') * 100 * issued))
        end as penalty
    from paired
),

adjusted_target as (
    select target from catalogue_metrics where metric = 'survey.satisfaction_adjusted'
)

select 'survey.penalty_points' as metric, site_id, period, penalty as value, null as numerator,
    null as denominator, null as target, null as meets_target, 0 as pending, [] :: varchar[] as flags
from penalised
union all
select 'survey.satisfaction_adjusted', site_id, period,
    case when answered > 0 then greatest(0, satisfied * 100 - coalesce(penalty, 0) * answered) / (answered * 100) end,
    greatest(0, satisfied * 100 - coalesce(penalty, 0) * answered) / 100,
    answered,
    (select target from adjusted_target),
    case when answered > 0 then
        greatest(0, satisfied * 100 - coalesce(penalty, 0) * answered) >= (select target from adjusted_target) * 100 * answered
    end,
    0, []
from penalised
