-- complaint.pareto.<类别>: each category's share of the month's counted complaints.
select
    'complaint.pareto.' || category as metric,
    site_id,
    getvariable('month_key') as period,
    share as value,
    complaints as numerator,
    total as denominator,
    case when is_vital_few then ['vital_few'] else [] end :: varchar[] as flags
from fct_complaint_pareto
