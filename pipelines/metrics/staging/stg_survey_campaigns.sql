-- 满意度调查批次 finished by as-of; a campaign belongs to the month it ended.
select
    campaign_id,
    site_id,
    kind,
    started_on,
    ended_on,
    strftime(ended_on, '%Y-%m') as month_key,
    occupied_units,
    issued,
    source_file, source_line  -- lineage
from main.survey_campaigns
where ended_on <= cast(getvariable('as_of') as date)
