-- Helpers every model may use; created before the models.

-- how long, as a manager reads it: minutes under an hour, else hours to one decimal
create or replace temp macro duration_text(minutes) as
    case when minutes < 60 then minutes || ' 分钟' else round(minutes / 60, 1) || ' 小时' end;

-- a rate counts hits in its numerator, and hits and misses in its denominator; pending is left out
create or replace temp macro numerator_part(outcome) as case when outcome = 'hit' then 1 else 0 end;
create or replace temp macro denominator_part(outcome) as case when outcome = 'pending' then 0 else 1 end;

-- a time recorded for an event that, at as-of, has not happened yet is no time at all
create or replace temp macro known(happened_at) as
    case when happened_at <= getvariable('as_of') then happened_at end;

-- the worklist's clock (exact, from as-of): hours until a deadline (negative: late by that
-- much) and days since a start; the units come from intervals, not written-in numbers
create or replace temp macro hours_left(deadline) as
    (epoch(deadline) - epoch(cast(getvariable('as_of') as timestamp))) / epoch(to_hours(1));
create or replace temp macro days_since(since) as
    (epoch(cast(getvariable('as_of') as timestamp)) - epoch(since)) / epoch(to_days(1));
