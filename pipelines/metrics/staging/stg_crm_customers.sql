-- 案场客户档案 registered by as-of. Personal fields stay here: only the accuracy check reads them.
select *
from main.crm_customers
where registered_at <= getvariable('as_of')
