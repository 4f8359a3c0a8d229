-- Rows verified as not valid (valid = 否, 002 §四(二)5)2): counted in no complaint metric, the
-- Pareto included, and listed in the evidence under complaint.count as not counted (contract §2).
select
    'complaint.count' as metric,
    site_id,
    strftime(received_at, '%Y-%m') as period,
    'not_counted' as outcome,
    null::decimal(9, 4) as target,
    0 as numerator,
    0 as denominator,
    'complaints' as dataset,
    complaint_id as record_id,
    source_file,
    source_line,
    null as source_rows,
    '不计入：无效投诉；' || category as detail
from stg_complaints
where not is_valid
