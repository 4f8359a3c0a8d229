-- 不可抗力 exemptions: a sales site not assessed for a month (001 §七.2).
select
    site_id,
    month as month_key,
    reason,
    source_file, source_line  -- lineage
from main.exemptions
