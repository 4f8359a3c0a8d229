-- The return-rate penalty of each site and period, step by step (000 §4.8.4.2, §4.8.4.5(1)c):
-- the shortfall of the return rate below its target in percentage points, and one point off
-- satisfaction for every full step of it; adjusted satisfaction not below 0. Integer arithmetic
-- in basis points keeps boundaries exact: a 10-point shortfall is 2 points under a 5-point step.
-- The report spells the arithmetic out from these rows; metric_survey_penalty pools them.
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
        r.target as return_target,
        cast(round(r.target * 10000) as bigint) as target_bp,
        s.numerator as satisfied,
        s.denominator as answered
    from rates as r
    join rates as s on s.metric = 'survey.satisfaction' and s.site_id = r.site_id and s.period = r.period
    where r.metric = 'survey.return_rate'
),

steps as (
    select
        *,
        getvariable('penalty_step_points') as step_points,
        case when issued > 0 then
            cast((target_bp * issued - returned * 10000) as decimal(38, 6)) / (100 * issued)
        end as shortfall_points,
        case when issued > 0 then
            greatest(0, (target_bp * issued - returned * 10000) // (getvariable('penalty_step_points') * 100 * issued))
        end as penalty
    from paired
)

select
    site_id, period, returned, issued, return_target, greatest(shortfall_points, 0) as shortfall_points,
    step_points, penalty, satisfied, answered,
    -- satisfied answers in percentage points, less the penalty's points for every answer
    greatest(0, satisfied * 100 - coalesce(penalty, 0) * answered) as adjusted_points
from steps
