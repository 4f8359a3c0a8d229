-- Every counted complaint behind a Pareto share (000 §4.8.4.5(2)): one row per complaint (an
-- event and category), under the share of its category, with every file:line that makes it up.
select
    'complaint.pareto.' || g.category as metric,
    g.site_id,
    getvariable('month_key') as period,
    'counted' as outcome,
    'complaints' as dataset,
    g.complaint_ids as record_id,
    g.source_file,
    g.source_line,
    g.source_rows,
    g.category as detail
from fct_complaint_groups as g
semi join fct_site_months as s on s.site_id = g.site_id and s.is_property
where g.month_key = getvariable('month_key')
