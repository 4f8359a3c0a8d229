-- Each counted complaint's outcome on each complaint rate (contract §2): hit and miss count in
-- the rate; pending is left out and listed: a reply still within its 24 h, or a complaint
-- closed without callback whose 7-day window for a new complaint is still open at as-of.
with complaints as (
    select
        *,
        case when row_count > 1 and open_rows < row_count
            then '未处理完毕：' || row_count || ' 条记录中 ' || open_rows || ' 条未处理'
            else '未处理完毕' end as open_detail,
        case when row_count > 1 and rows_without_callback > 0
            then '（' || row_count || ' 条记录中 ' || rows_without_callback || ' 条未回访）'
            else '' end as callback_detail
    from fct_complaint_groups
),

outcomes as (
    select 'complaint.handling_rate' as metric, *,
        case when handled_at is not null then 'hit' else 'miss' end as outcome,
        case when handled_at is null then open_detail end as detail
    from complaints
    union all
    select 'complaint.callback_rate', *,
        case when callback_at is not null then 'hit' else 'miss' end,
        case when callback_at is null then '已处理，未回访' || callback_detail end
    from complaints
    where handled_at is not null and callback_required
    union all
    select 'complaint.reply_24h_rate', *,
        case
            when replied_at <= reply_deadline then 'hit'
            when replied_at is not null or reply_deadline <= getvariable('as_of') then 'miss'
            else 'pending'
        end,
        case
            when replied_at > reply_deadline then '答复用时 ' || duration_text(date_diff('minute', received_at, replied_at))
            when replied_at is null and reply_deadline <= getvariable('as_of') then '超过 ' || getvariable('reply_hours') || ' 小时未答复'
            when replied_at is null then '未答复，期限 ' || strftime(reply_deadline, '%Y-%m-%d %H:%M')
        end
    from complaints
    union all
    select 'complaint.closure_rate', *,
        case when is_closed then 'hit' when closure_window_open then 'pending' else 'miss' end,
        case
            when is_closed then null
            when closure_window_open then getvariable('closure_window_days') || ' 天观察期至 ' || strftime(closure_window_end, '%Y-%m-%d %H:%M')
            when handled_at is null then open_detail
            when callback_required and callback_at is null then '未回访' || callback_detail
            when callback_required then '回访不满意'
            when has_follow_up_complaint then '处理后 ' || getvariable('closure_window_days') || ' 天内同户同类再次投诉'
        end
    from complaints
)

select
    metric,
    site_id,
    month_key as period,
    outcome,
    null::decimal(9, 4) as target,
    numerator_part(outcome) as numerator,
    denominator_part(outcome) as denominator,
    'complaints' as dataset,
    complaint_ids as record_id,
    source_file,
    source_line,
    source_rows,
    category || '；' || row_count || ' 条记录、' || people || ' 人、' || times || ' 次' || coalesce('；' || detail, '') as detail
from outcomes
