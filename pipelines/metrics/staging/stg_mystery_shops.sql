-- 神秘访客暗访 made by as-of.
select
    shop_id,
    site_id,
    visited_on,
    score,
    coalesce(first_guidance, false) as is_first_guidance,
    source_file, source_line  -- lineage
from main.mystery_shops
where visited_on <= cast(getvariable('as_of') as date)
