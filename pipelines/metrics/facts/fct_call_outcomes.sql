-- Inbound calls: answered within 3 rings, over all inbound calls (000 §4.6.4.5; contract §2).
-- A call with no ring count recorded cannot show it was answered in time: a miss.
select
    'call.answer_3_rings_rate' as metric,
    site_id,
    strftime(started_at, '%Y-%m') as period,
    outcome,
    null::decimal(9, 4) as target,
    numerator_part(outcome) as numerator,
    denominator_part(outcome) as denominator,
    'calls' as dataset,
    call_id as record_id,
    source_file,
    source_line,
    null as source_rows,
    case
        when not answered then '未接通'
        when rings is null then '未记录振铃次数'
        when rings > getvariable('max_rings') then '振铃 ' || rings || ' 次'
    end as detail
from (
    select *, case when answered and rings <= getvariable('max_rings') then 'hit' else 'miss' end as outcome
    from stg_calls
    where direction = 'in'
)
