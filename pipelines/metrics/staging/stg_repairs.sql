-- 报修记录 as known at as-of: a completion or callback dated later has not happened yet.
-- A callback whose result is 未联系上 (could not reach the owner) is an attempt, not a callback
-- (contract §2): the ticket stays without one, its attempt kept to show in the evidence; a
-- callback recorded after it (in second_callback_at) is then the ticket's callback.
with contacts as (
    select
        ticket_id,
        site_id,
        unit,
        category,
        urgent,
        reported_at,
        known(completed_at) as completed_at,
        known(callback_at) as first_contact_at,
        known(second_callback_at) as second_contact_at,
        coalesce(callback_result = '未联系上', false) as unreached,
        callback_result,
        unfinished_reason,  -- shown with an unfinished ticket on the worklist
        source_file, source_line  -- lineage
    from main.repairs
    where reported_at <= getvariable('as_of')
)

select
    * exclude (first_contact_at, second_contact_at),
    case when unreached then second_contact_at else first_contact_at end as callback_at,
    case when unreached then null else second_contact_at end as second_callback_at,
    case when unreached then first_contact_at end as unreached_at
from contacts
