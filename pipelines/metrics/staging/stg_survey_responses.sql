-- 问卷 returned by as-of (a blank return date counts as returned).
select *
from main.survey_responses
where returned_on is null or returned_on <= cast(getvariable('as_of') as date)
