-- Every (metric, site, period) that must have a row, data or not (contract §2): the catalogue's
-- metrics × the sites they apply to × the run's periods of their grain.
with metrics as (
    select * from catalogue_metrics
),

sites as (
    select * from fct_site_months
),

periods as (
    select * from run_periods
)

select
    m.metric,
    s.site_id,
    p.period,
    m.target
from metrics as m
join periods as p using (grain)
join sites as s
    on (m.applies = 'all')
    or (m.applies = 'property' and s.is_property)
    or (m.applies = 'sales' and s.is_assessed_sales)
