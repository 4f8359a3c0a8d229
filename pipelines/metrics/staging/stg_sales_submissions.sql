-- 案场资料递交 made by as-of.
select
    site_id,
    month as month_key,
    submitted_on,
    completeness = '完整' as is_complete,
    batch_id,
    coalesce(bonus, false) as is_bonus,
    source_file, source_line  -- lineage
from main.sales_submissions
where submitted_on <= cast(getvariable('as_of') as date)
