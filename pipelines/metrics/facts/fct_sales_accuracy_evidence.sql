-- Every deal behind an assessed 案场's accuracy score (001 第一篇 §五.A.3): an erroneous deal is
-- a miss (it cost points), a clean one a hit, so the sheet shows what was checked and what was wrong.
select
    'sales.accuracy_score' as metric,
    d.site_id,
    getvariable('month_key') as period,
    case when d.is_erroneous then 'miss' else 'hit' end as outcome,
    'crm_customers' as dataset,
    d.customer_id as record_id,
    d.source_file,
    d.source_line,
    null as source_rows,
    coalesce(nullif(d.errors, ''), '无差错') as detail
from fct_sales_deals as d
semi join fct_site_months as s on s.site_id = d.site_id and s.is_assessed_sales
