-- Survey rates as parts to pool (contract §2): issue = issued / occupied units, return =
-- questionnaires / issued, satisfaction = (非常满意 + 满意) / returned questionnaires, overall
-- and per dimension (003 篇2 §4.4(4)–(5): 分项满意问卷数量÷回收数量). A dimension is over the
-- questionnaires of the campaigns that ask it (any of its questionnaires answers it), so a blank
-- answer there counts as not satisfied. Campaign rows carry their kind's target; a site-month
-- pools under the strictest.
with campaigns as (
    select * from fct_survey_campaigns
),

-- one row per questionnaire and question: overall and every dimension column, a blank kept as ''
all_answers as (
    unpivot (
        select
            c.site_id, c.month_key, r.campaign_id, r.response_id, r.source_file, r.source_line,
            coalesce(columns(lambda col: list_contains(getvariable('survey_answer_columns'), col)), '')
        from stg_survey_responses as r
        join campaigns as c using (campaign_id)
    )
    on columns(lambda col: list_contains(getvariable('survey_answer_columns'), col))
    into name key value value
),

asked as (
    select distinct campaign_id, key from all_answers where value <> ''
),

-- every questionnaire of a campaign that asks the question, answered or blank
answers as (
    select a.* from all_answers as a semi join asked using (campaign_id, key)
),

campaign_parts as (
    select 'survey.issue_rate' as metric, site_id, month_key, issued as numerator,
        occupied_units as denominator, issue_target as target, campaign_id, source_file, source_line,
        kind || '；发放 ' || issued || ' / 入住 ' || occupied_units as detail
    from campaigns
    union all
    select 'survey.return_rate', site_id, month_key, responses, issued, return_target,
        campaign_id, source_file, source_line,
        kind || '；回收 ' || responses || ' / 发放 ' || issued
    from campaigns
),

answer_parts as (
    select
        case when key = 'overall' then 'survey.satisfaction'
             else 'survey.dimension_satisfaction.' || key end as metric,
        site_id, month_key,
        case when value in ('非常满意', '满意') then 1 else 0 end as numerator,
        1 as denominator,
        null::decimal(9, 4) as target,
        response_id, source_file, source_line,
        case when value = '' then key || '：未作答'
             when value not in ('非常满意', '满意') then key || '：' || value end as detail
    from answers
)

select
    metric, site_id, month_key as period,
    case when numerator >= coalesce(target, 1) * denominator then 'hit' else 'miss' end as outcome,
    target, numerator, denominator,
    'survey_campaigns' as dataset, campaign_id as record_id, source_file, source_line,
    null as source_rows, detail
from campaign_parts
union all
select
    metric, site_id, month_key,
    case when numerator = 1 then 'hit' else 'miss' end,
    target, numerator, denominator,
    'survey_responses', response_id, source_file, source_line, null, detail
from answer_parts
