-- sales.mystery_shop_score for the quarter containing the month: the quarter's first visit
-- that is not a new site's first-guidance visit (001 第一篇 §五.B.6).
with visits as (
    select *
    from stg_mystery_shops
    where visited_on >= getvariable('quarter_start') and visited_on < getvariable('next_quarter')
        and not is_first_guidance
),

first_visit as (
    select site_id, arg_min(score, visited_on) as score
    from visits
    group by site_id
)

select
    s.metric,
    s.site_id,
    s.period,
    f.score as value
from fct_metric_spine as s
left join first_visit as f using (site_id)
where s.metric = 'sales.mystery_shop_score'
