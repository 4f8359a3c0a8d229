-- Units to call back after a survey (003 篇2 §4.7: every dissatisfied respondent is called back):
-- a questionnaire that answered 不太满意 or 很不满意, overall or in any dimension, in a campaign
-- that ended within callback_window_days before as-of. A blank answer is no answer, not a complaint.
with recent as (
    select * from stg_survey_campaigns
    where ended_on >= cast(getvariable('as_of') as date) - to_days(getvariable('callback_window_days'))
),

answers as (
    unpivot (
        select
            c.site_id, c.ended_on, c.campaign_id, r.response_id, r.unit, r.source_file, r.source_line,
            columns(lambda col: list_contains(getvariable('survey_answer_columns'), col))
        from stg_survey_responses as r
        join recent as c using (campaign_id)
    )
    on columns(lambda col: list_contains(getvariable('survey_answer_columns'), col))
    into name question value answer
)

select
    'survey_dissatisfied' as kind,
    site_id,
    response_id as record_id,
    any_value(unit) as unit,
    '问卷不满意回访' as due,
    '调查 ' || any_value(campaign_id) || '（' || strftime(any_value(ended_on), '%m-%d') || ' 结束）；'
        || string_agg(case when question = 'overall' then '总体' else question end || answer, '、'
                      order by question <> 'overall', question) as detail,
    null::timestamp as deadline,
    null::double as hours_left,
    days_since(any_value(ended_on)) as age_days,
    any_value(source_file) as source_file,
    any_value(source_line) as source_line,
    null::varchar as contact_name,
    null::varchar as contact_phone
from answers
where answer in ('不太满意', '很不满意')
group by site_id, response_id
