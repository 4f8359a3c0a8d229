-- 来电记录 up to as-of.
select
    call_id,
    site_id,
    started_at,
    direction,
    phone,
    rings,
    answered,
    source_file, source_line  -- lineage
from main.calls
where started_at <= getvariable('as_of')
