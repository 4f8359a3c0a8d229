-- The 案场 monthly score parts and total, per assessed sales site. The opening month is
-- marked reference; a month without phone surveys is flagged (001 §三.3, §七.1–2). A part
-- still pending has no value yet (pending = 1), and neither has the total.
with scores as (
    select
        * replace (
            case when completeness_pending then null else completeness_score end as completeness_score,
            case when timeliness_pending then null else timeliness_score end as timeliness_score
        ),
        case when not (completeness_pending or timeliness_pending) then
            completeness_score + timeliness_score + accuracy_score + phone_survey_score + bonus_score
        end as total_score
    from fct_sales_site_scores
),

parts as (
    -- a pending part keeps its row, without a value
    select * from scores unpivot include nulls (
        score for part in (completeness_score, timeliness_score, accuracy_score, phone_survey_score, bonus_score,
                           total_score))
)

select
    'sales.' || part as metric,
    site_id,
    getvariable('month_key') as period,
    score as value,
    case
        when part = 'completeness_score' then completeness_pending::int
        when part = 'timeliness_score' then timeliness_pending::int
        when part = 'total_score' then (completeness_pending or timeliness_pending)::int
        else 0
    end as pending,
    list_concat(
        case when is_opening_month then ['reference'] else [] end,
        case when surveys = 0 and part in ('phone_survey_score', 'total_score') then ['no_phone_surveys'] else [] end
    ) :: varchar[] as flags
from parts
