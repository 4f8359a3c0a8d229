-- One row per counted complaint (002 §四(二)5)): rows about one event and one root-cause
-- category count once, however many people or posts; an owner's different categories count
-- separately; a row without an event id counts alone. A row verified as invalid counts in
-- nothing (the evidence lists it as not counted). A group takes its earliest received_at and first
-- reply; it is handled only when every row is (then at the latest handled_at), has its callback
-- only when every row needing one has one (then at the latest), and is satisfied only when all
-- of those are: one open row keeps the whole complaint open (contract §2).
with complaints as (
    select
        *,
        coalesce('event:' || event_id, 'row:' || complaint_id) as group_key
    from stg_complaints
    where is_valid
),

groups as (
    select
        site_id,
        group_key,
        category,
        min(received_at) as received_at,
        min(first_reply_at) as first_reply_at,
        -- max() skips NULLs: an open row must keep the group open, so count them first
        case when count(handled_at) = count(*) then max(handled_at) end as handled_at,
        count(*) - count(handled_at) as open_rows,
        bool_or(callback_required) as callback_required,
        case when count(*) filter (where callback_required and callback_at is null) = 0
            then max(callback_at) filter (where callback_required) end as callback_at,
        count(*) filter (where callback_required and callback_at is null) as rows_without_callback,
        bool_and(coalesce(callback_satisfied, false)) filter (where callback_required) as callback_satisfied,
        min(unit) as unit,
        count(*) as row_count,
        sum(people) as people,
        sum(times) as times,
        string_agg(complaint_id, ', ' order by received_at, complaint_id) as complaint_ids,
        arg_min(source_file, received_at) as source_file,
        arg_min(source_line, received_at) as source_line,
        string_agg(source_file || ':' || source_line, ', ' order by source_file, source_line) as source_rows
    from complaints
    group by site_id, group_key, category
),

-- closed without a callback: no new complaint from the same unit and category within the window
followed_up as (
    select distinct g.site_id, g.group_key, g.category
    from groups as g
    join groups as later
        on later.site_id = g.site_id
        and later.unit = g.unit
        and later.category = g.category
        and later.group_key <> g.group_key
        and later.received_at > g.handled_at
        and later.received_at <= g.handled_at + to_days(getvariable('closure_window_days'))
)

select
    g.*,
    strftime(g.received_at, '%Y-%m') as month_key,
    coalesce(g.first_reply_at, g.handled_at) as replied_at,
    g.received_at + to_hours(getvariable('reply_hours')) as reply_deadline,
    f.group_key is not null as has_follow_up_complaint,
    g.handled_at + to_days(getvariable('closure_window_days')) as closure_window_end,
    -- closed without a callback only once its window has ended with no new complaint
    not g.callback_required and g.handled_at is not null and f.group_key is null
        and closure_window_end > getvariable('as_of') as closure_window_open,
    case
        when g.callback_required then g.callback_at is not null and coalesce(g.callback_satisfied, false)
        else g.handled_at is not null and f.group_key is null and closure_window_end <= getvariable('as_of')
    end as is_closed
from groups as g
left join followed_up as f using (site_id, group_key, category)
