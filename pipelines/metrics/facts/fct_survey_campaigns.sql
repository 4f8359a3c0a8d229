-- One row per survey campaign, with its questionnaires returned and its kind's targets
-- (003 篇2 §4.1(2), §4.4; 000 §4.8.4.2, §4.8.4.5). A campaign belongs to the month it ended.
with campaigns as (
    select * from stg_survey_campaigns
),

returned as (
    select campaign_id, count(*) as responses
    from stg_survey_responses
    group by campaign_id
),

targets as (
    select * from survey_targets
)

select
    c.*,
    coalesce(r.responses, 0) as responses,
    t.issue_target,
    t.return_target
from campaigns as c
left join returned as r using (campaign_id)
join targets as t using (kind)
