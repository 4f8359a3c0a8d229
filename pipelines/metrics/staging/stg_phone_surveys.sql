-- 电话满意度调查 made by as-of.
select
    survey_id,
    site_id,
    surveyed_at,
    score,
    source_file, source_line  -- lineage
from main.phone_surveys
where surveyed_at <= getvariable('as_of')
