-- The 案场 monthly score parts and total, per assessed sales site. The opening month is
-- marked reference; a month without phone surveys is flagged (001 §三.3, §七.1–2).
with scores as (
    select
        *,
        completeness_score + timeliness_score + accuracy_score + phone_survey_score + bonus_score as total_score
    from fct_sales_site_scores
),

parts as (
    unpivot scores
    on completeness_score, timeliness_score, accuracy_score, phone_survey_score, bonus_score, total_score
    into name part value score
)

select
    'sales.' || part as metric,
    site_id,
    getvariable('month_key') as period,
    score as value,
    null as numerator,
    null as denominator,
    null as target,
    null as meets_target,
    0 as pending,
    list_concat(
        case when is_opening_month then ['reference'] else [] end,
        case when surveys = 0 and part in ('phone_survey_score', 'total_score') then ['no_phone_surveys'] else [] end
    ) :: varchar[] as flags
from parts
