-- Helpers every model may use; created before the models.

-- how long, as a manager reads it: minutes under an hour, else hours to one decimal
create or replace temp macro duration_text(minutes) as
    case when minutes < 60 then minutes || ' 分钟' else round(minutes / 60, 1) || ' 小时' end;
