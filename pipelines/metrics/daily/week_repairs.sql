-- The week's repair completion summary (000 §4.7.4.2, §4.10.4.14), for the ISO week before
-- as-of's: tickets received and completed that week, of those completed how many were called
-- back and how many within their category deadline, and the tickets unfinished at the week's end.
with w as (
    select * from day_window
),

received as (
    select r.site_id, count(*) as received
    from stg_repairs as r, w
    where r.reported_at >= w.week_start and r.reported_at < w.week_end
    group by all
),

completed as (
    select
        t.site_id,
        count(*) as completed,
        count(*) filter (where t.callback_at is not null) as called_back,
        count(*) filter (where t.callback_at <= t.callback_deadline) as on_time
    from fct_repair_tickets as t, w
    where t.week_key = w.week_key
    group by all
),

unfinished as (
    select r.site_id, count(*) as unfinished
    from stg_repairs as r, w
    where r.reported_at < w.week_end and (r.completed_at is null or r.completed_at >= w.week_end)
    group by all
),

sites as (
    select site_id from received union select site_id from completed union select site_id from unfinished
),

totals as (
    select
        site_id,
        coalesce(received, 0) as 报修,
        coalesce(completed, 0) as 完成,
        coalesce(called_back, 0) as 完成已回访,
        coalesce(on_time, 0) as 按时回访,
        coalesce(unfinished, 0) as 周末未完成
    from sites
    left join received using (site_id)
    left join completed using (site_id)
    left join unfinished using (site_id)
),

counts as (
    unpivot (select * from totals) on columns(* exclude (site_id)) into name label value value
)

select
    site_id,
    '维修' as part,
    label,
    value,
    1 as part_order,
    list_position(['报修', '完成', '完成已回访', '按时回访', '周末未完成'], label) as label_order
from counts
