-- One row per site open in the run's month: which metric families apply to it.
-- property: residential and office (complaint.*, repair.*, survey.*); sales: 案场 not exempt
-- that month (sales.*); every site gets call.* (contract §2). A site that opens after the
-- month has no rows yet.
with sites as (
    select * from stg_sites
),

exempt as (
    select site_id, any_value(reason) as exemption_reason
    from stg_exemptions
    where month_key = getvariable('month_key')
    group by site_id
)

select
    s.site_id,
    s.site_name,
    s.site_type,
    s.site_phone,
    s.site_type in ('residential', 'office') as is_property,
    s.site_type = 'sales' and e.site_id is null as is_assessed_sales,
    s.site_type = 'sales' and e.site_id is not null as is_exempt,
    e.exemption_reason,
    -- the opening month is training: scored for reference only (001 §三.3, §七.1)
    coalesce(s.opened_on >= getvariable('month_start') and s.opened_on < getvariable('next_month'), false)
        as is_opening_month
from sites as s
left join exempt as e using (site_id)
where s.opened_on is null or s.opened_on < getvariable('next_month')
