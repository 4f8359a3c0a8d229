-- The 案场 monthly score, 15 + 1 (001 第一篇 §五.A; contract §2), one row per sales site
-- assessed this month (exempt sites have no row). Day tiers and score tiers come from the
-- rules; comparisons are exact (decimals, not floats). In a month still running at as-of, a part
-- whose tier can still change is pending: completeness until a complete submission or the month's
-- end; timeliness until the first submission or the last tier boundary (the 26th) has passed.
with sites as (
    select * from fct_site_months where is_assessed_sales
),

submissions as (
    select * from stg_sales_submissions where month_key = getvariable('month_key')
),

submitted as (
    select
        site_id,
        bool_or(is_complete and submitted_on < getvariable('next_month')) as has_complete,
        bool_or(submitted_on < getvariable('next_month')) as has_any,
        min(submitted_on) as first_submitted_on,
        bool_or(is_bonus) as has_bonus
    from submissions
    group by site_id
),

surveys as (
    select site_id, count(*) as surveys, sum(cast(score as decimal(18, 4))) as score_sum
    from stg_phone_surveys
    where surveyed_at >= getvariable('phone_window_start') and surveyed_at < getvariable('phone_window_end')
    group by site_id
),

errors as (
    select site_id, count(*) filter (where is_erroneous) as erroneous_deals, count(*) as deals
    from fct_sales_deals
    group by site_id
),

parts as (
    select
        s.site_id,
        s.is_opening_month,
        sb.first_submitted_on,
        coalesce(e.erroneous_deals, 0) as erroneous_deals,
        coalesce(e.deals, 0) as deals,
        coalesce(v.surveys, 0) as surveys,
        v.score_sum / v.surveys as survey_mean,
        case
            when sb.has_complete then getvariable('completeness_off').complete
            when sb.has_any then getvariable('completeness_off').incomplete
            else getvariable('completeness_off').none
        end as completeness_off,
        case
            when sb.first_submitted_on is null or sb.first_submitted_on >= getvariable('next_month')
                then getvariable('timeliness_off_late')
            when sb.first_submitted_on < getvariable('month_start') then 0
            else coalesce(
                list_filter(getvariable('timeliness_off'), lambda t: day(sb.first_submitted_on) < t.before_day)[1].off,
                getvariable('timeliness_off_late'))
        end as timeliness_off,
        case
            when v.surveys is null then getvariable('phone_survey_none')
            else coalesce(
                list_filter(getvariable('phone_survey_tiers'), lambda t: v.score_sum >= t.min * v.surveys)[1].points,
                getvariable('phone_survey_below'))
        end as phone_survey_score,
        case when coalesce(sb.has_bonus, false) then getvariable('bonus_points') else 0 end as bonus_score
    from sites as s
    left join submitted as sb using (site_id)
    left join surveys as v using (site_id)
    left join errors as e using (site_id)
)

select
    *,
    completeness_off <> getvariable('completeness_off').complete
        and getvariable('as_of') < getvariable('next_month') as completeness_pending,
    first_submitted_on is null
        and getvariable('as_of') < getvariable('month_start')
            + to_days(list_max([t.before_day for t in getvariable('timeliness_off')]) - 1) as timeliness_pending,
    getvariable('completeness_points') * (1 - completeness_off) as completeness_score,
    getvariable('timeliness_points') * (1 - timeliness_off) as timeliness_score,
    greatest(0, getvariable('accuracy_points') - getvariable('accuracy_off_per_error') * erroneous_deals)
        as accuracy_score
from parts
