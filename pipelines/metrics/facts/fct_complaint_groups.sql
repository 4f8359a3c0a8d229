-- One row per counted complaint (002 §四(二)5)): rows about one event and one root-cause
-- category count once, however many people or posts; an owner's different categories count
-- separately; a row without an event id counts alone. A group takes its earliest received_at
-- and first reply, its latest handling and callback (contract §2).
with complaints as (
    select
        *,
        coalesce('event:' || event_id, 'row:' || complaint_id) as group_key
    from stg_complaints
),

groups as (
    select
        site_id,
        group_key,
        category,
        min(received_at) as received_at,
        min(first_reply_at) as first_reply_at,
        max(handled_at) as handled_at,
        bool_or(callback_required) as callback_required,
        max(callback_at) as callback_at,
        arg_max(callback_satisfied, callback_at) as callback_satisfied,
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
        when g.callback_required then coalesce(g.callback_satisfied, false)
        else g.handled_at is not null and f.group_key is null and closure_window_end <= getvariable('as_of')
    end as is_closed
from groups as g
left join followed_up as f using (site_id, group_key, category)
