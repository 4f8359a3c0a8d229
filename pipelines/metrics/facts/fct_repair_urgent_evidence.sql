-- A repair the handbook calls urgent but not marked urgent (003 篇5 §六.4) is a finding to check,
-- not a reclassification: it is listed on its own sheet with its file and line.
select
    'repair.urgent_flag' as metric,
    site_id,
    getvariable('month_key') as period,
    'finding' as outcome,
    'repairs' as dataset,
    ticket_id as record_id,
    source_file,
    source_line,
    null as source_rows,
    '类别「' || category || '」含「' || array_to_string(matched, '、')
        || '」，按手册应为急修（003 篇5 §六.4），但未标为急修' as detail
from fct_repair_urgent_unflagged
