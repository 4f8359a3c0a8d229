-- 案场客户档案 as known at as-of: a customer registered later does not exist yet, and a deal or
-- a CRM entry dated later has not happened yet (contract §2). Personal fields stay here: only the
-- accuracy check reads them.
select
    * replace (
        case when deal_at <= getvariable('as_of') then deal_at end as deal_at,
        case when entered_at <= getvariable('as_of') then entered_at end as entered_at
    ),
    entered_at > getvariable('as_of') as entered_after_as_of
from main.crm_customers
where registered_at <= getvariable('as_of')
