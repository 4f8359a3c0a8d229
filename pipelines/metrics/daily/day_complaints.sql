-- 日盘点, complaints: the valid complaint records received on the day summarised, counted by
-- category, channel and where each stands at as-of (000 §4.10.4.10).
with day as (
    select c.*
    from stg_complaints as c
    join day_window as w on c.received_at >= w.day_start and c.received_at < w.day_end
    where c.is_valid
),

status as (
    select
        *,
        case
            when callback_at is not null then '已回访'
            when handled_at is not null and callback_required then '已处理，待回访'
            when handled_at is not null then '已处理（无需回访）'
            when first_reply_at is not null then '已答复，处理中'
            else '未答复'
        end as stands
    from day
),

counts as (
    select site_id, '类别' as part, category as label, count(*) as value from status group by all
    union all
    select site_id, '渠道', channel, count(*) from status group by all
    union all
    select site_id, '状态', stands, count(*) from status group by all
)

-- the page shows the parts in this order, categories and channels largest first, states as listed
select
    *,
    list_position(['类别', '渠道', '状态'], part) as part_order,
    list_position(['未答复', '已答复，处理中', '已处理，待回访', '已处理（无需回访）', '已回访'], label) as label_order
from counts
