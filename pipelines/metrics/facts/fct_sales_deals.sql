-- One row per deal record of the month (a 案场 customer with deal_at in the month) and the
-- errors found in it (001 第一篇 §五.A.3, §六(一)): a required field blank, the generic
-- postcode 200000, the site's own phone, a phone another customer of the site also has,
-- or entered into the CRM more than 24 h after the deal.
with customers as (
    select * from stg_crm_customers
),

sites as (
    select site_id, site_phone from stg_sites
),

shared_phones as (
    select site_id, phone
    from customers
    group by site_id, phone
    having count(distinct customer_id) > 1
),

deals as (
    select c.*, s.site_phone
    from customers as c
    join sites as s using (site_id)
    where c.deal_at >= getvariable('month_start') and c.deal_at < getvariable('next_month')
),

-- every required field as text, so one unpivot finds the blank ones (the list is a rule)
required as (
    select
        customer_id,
        coalesce(trim(columns(lambda c: list_contains(getvariable('required_deal_fields'), c))::varchar), '')
    from deals
),

blanks as (
    select
        customer_id,
        list(field order by list_position(getvariable('required_deal_fields'), field)) as blank_fields
    from (unpivot required on columns(* exclude customer_id) into name field value cell)
    where cell = ''
    group by customer_id
),

checked as (
    select
        d.customer_id,
        d.site_id,
        d.deal_at,
        d.entered_at,
        d.source_file,
        d.source_line,
        coalesce(b.blank_fields, []) as blank_fields,
        list_contains(getvariable('bad_postcodes'), d.postcode) as has_generic_postcode,
        d.phone = d.site_phone as has_site_phone,
        sp.phone is not null as has_shared_phone,
        -- entered after as-of: not entered yet, so late once its 24 h have passed at as-of
        coalesce(d.entered_at, case when d.entered_after_as_of then getvariable('as_of') end)
            > d.deal_at + to_hours(getvariable('deal_entry_hours')) as entered_late
    from deals as d
    left join blanks as b using (customer_id)
    left join shared_phones as sp using (site_id, phone)
)

select
    *,
    len(blank_fields) > 0 or coalesce(has_generic_postcode, false) or coalesce(has_site_phone, false)
        or has_shared_phone or coalesce(entered_late, false) as is_erroneous,
    concat_ws('；',
        case when len(blank_fields) > 0 then '必填项为空：' || array_to_string(blank_fields, '、') end,
        case when has_generic_postcode then '邮编为通用邮编 ' || array_to_string(getvariable('bad_postcodes'), '、') end,
        case when has_site_phone then '电话为案场电话' end,
        case when has_shared_phone then '电话与本案场其他客户重复' end,
        case when entered_late and entered_at is null then '成交后超过 ' || getvariable('deal_entry_hours') || ' 小时仍未录入'
            when entered_late then '成交后 ' || round(date_diff('minute', deal_at, entered_at) / 60, 1) || ' 小时才录入' end
    ) as errors
from checked
