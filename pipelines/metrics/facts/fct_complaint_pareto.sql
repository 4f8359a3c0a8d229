-- The Pareto table (排列图, 000 §4.8.4.5(2)): counted complaints of the month by root-cause
-- category, largest first, with cumulative share; the vital few are the categories that
-- together first reach 80%. Per property site and company-wide (site_id null).
with complaints as (
    select g.*
    from fct_complaint_groups as g
    join fct_site_months as s using (site_id)
    where g.month_key = getvariable('month_key') and s.is_property
),

counts as (
    select site_id, category, count(*) as complaints from complaints group by site_id, category
    union all
    select null, category, count(*) from complaints group by category
),

ranked as (
    select
        *,
        sum(complaints) over (partition by site_id) as total,
        row_number() over (partition by site_id order by complaints desc, category) as rank,
        sum(complaints) over (
            partition by site_id order by complaints desc, category rows unbounded preceding
        ) as cumulative
    from counts
)

select
    site_id,
    category,
    rank,
    complaints,
    total,
    complaints / total as share,
    cumulative / total as cumulative_share,
    -- a category is in the vital few if the ones before it had not yet reached the vital share
    -- (80%): exact, an integer count against a decimal share
    (cumulative - complaints) < getvariable('vital_share') * total as is_vital_few
from ranked
