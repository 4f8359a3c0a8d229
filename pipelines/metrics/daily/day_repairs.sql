-- 日盘点, repairs (002 §四(二)1: 报修、完成、未完成的及原因): tickets received and completed on the
-- day summarised, and every ticket still unfinished at the day's end, by the reason given.
with w as (
    select * from day_window
),

tickets as (
    select
        r.*,
        r.reported_at >= w.day_start and r.reported_at < w.day_end as received_today,
        r.completed_at >= w.day_start and r.completed_at < w.day_end as completed_today,
        r.reported_at < w.day_end and (r.completed_at is null or r.completed_at >= w.day_end) as open_at_end
    from stg_repairs as r, w
),

-- every site with tickets gets its three counts, a zero included
totals as (
    select
        site_id,
        count(*) filter (where received_today) as 报修,
        count(*) filter (where completed_today) as 完成,
        count(*) filter (where open_at_end) as 日终未完成
    from tickets
    group by site_id
),

counts as (
    select site_id, '当日' as part, label, value
    from (unpivot (select * from totals) on columns(* exclude (site_id)) into name label value value)
    union all
    select site_id, '未完成原因', coalesce(unfinished_reason, '未填'), count(*)
    from tickets where open_at_end group by all
)

select
    *,
    list_position(['当日', '未完成原因'], part) as part_order,
    list_position(['报修', '完成', '日终未完成'], label) as label_order
from counts
