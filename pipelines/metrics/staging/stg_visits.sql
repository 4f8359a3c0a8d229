-- 来访登记 up to as-of.
select
    visit_id,
    site_id,
    visited_at,
    phone,
    source_file, source_line  -- lineage
from main.visits
where visited_at <= getvariable('as_of')
