-- The week's complaint statistics (003 篇5 §七.5; 000 §4.10.4.14), for the ISO week before
-- as-of's: counted complaints (one per event and root cause) received that week, by category,
-- and how many are handled, called back and satisfied at as-of.
with week as (
    select g.*
    from fct_complaint_groups as g
    join day_window as w on g.received_at >= w.week_start and g.received_at < w.week_end
),

counts as (
    select site_id, '类别' as part, category as label, count(*) as value from week group by all
    union all
    select site_id, '处理', '投诉', count(*) from week group by all
    union all
    select site_id, '处理', '已处理', count(*) filter (where handled_at is not null) from week group by all
    union all
    select site_id, '处理', '已回访', count(*) filter (where callback_at is not null) from week group by all
    union all
    select site_id, '处理', '回访满意', count(*) filter (where callback_satisfied) from week group by all
)

select
    *,
    list_position(['处理', '类别'], part) as part_order,
    list_position(['投诉', '已处理', '已回访', '回访满意'], label) as label_order
from counts
