-- On-time repair callbacks by category (003 §二.5): for the month's completed tickets of the
-- property sites, how many were called back within their category's deadline, how many late,
-- how many still pending. Company-wide; the report shows it beside the weekly callback rates.
with on_time as (
    select o.*
    from fct_repair_outcomes as o
    semi join fct_metric_spine as s using (metric, site_id, period)
    where o.metric = 'repair.callback_on_time_rate' and o.period = getvariable('month_key')
)

select
    category,
    min(deadline_hours) as shortest_deadline_hours,
    max(deadline_hours) as longest_deadline_hours,
    count(*) as tickets,
    count(*) filter (where outcome = 'hit') as on_time,
    count(*) filter (where outcome = 'miss') as late,
    count(*) filter (where outcome = 'pending') as pending,
    -- on time over decided (pending left out, as in every rate); no decided ticket, no rate
    count(*) filter (where outcome = 'hit') / nullif(count(*) filter (where outcome <> 'pending'), 0)
        as on_time_rate
from on_time
group by category
