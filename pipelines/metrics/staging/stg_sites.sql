-- 项目清单: one row per site.
select
    site_id,
    site_name,
    site_type,
    region,
    site_phone,
    opened_on,
    source_file, source_line  -- lineage
from main.sites
