-- Tickets reported in the month whose category is on the handbook's urgent list (003 篇5 §六.4:
-- 电梯困人, 漏电, 水管爆裂, 扶手栏杆损坏, 即将坠落 …; rules.repairs.urgent_keywords) but which are
-- not marked urgent. A data-quality finding for the desk to correct in its system: the ticket
-- keeps the flag it was exported with (its deadline is not silently shortened).
select
    site_id,
    ticket_id,
    category,
    reported_at,
    [k for k in getvariable('urgent_keywords') if contains(category, k)] as matched,
    source_file,
    source_line
from stg_repairs
where not urgent
    and len([k for k in getvariable('urgent_keywords') if contains(category, k)]) > 0
    and reported_at >= getvariable('month_start') and reported_at < getvariable('next_month')
