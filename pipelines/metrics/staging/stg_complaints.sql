-- 投诉登记 as known at as-of: a complaint received later does not exist yet,
-- and a reply, handling or callback dated later has not happened yet. `is_valid`: not verified
-- as invalid (valid = 否 is the designated person's check, 002 §四(二)5)2; blank = valid).
select
    complaint_id,
    site_id,
    event_id,
    category,
    channel,  -- the desk's daily count by channel (worklist)
    unit,
    received_at,
    coalesce(people, 1) as people,
    coalesce(times, 1) as times,
    coalesce(callback_required, true) as callback_required,
    coalesce(valid, true) as is_valid,
    known(first_reply_at) as first_reply_at,
    known(handled_at) as handled_at,
    known(callback_at) as callback_at,
    case when known(callback_at) is not null then callback_satisfied end as callback_satisfied,
    source_file, source_line  -- lineage
from main.complaints
where received_at <= getvariable('as_of')
