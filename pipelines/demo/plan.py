"""Which file form each export takes, month by month, and what it is called.

Fixed tables rather than dice, so every demo run shows every form: GB18030
CSVs from desktop tools (most), UTF-8 with BOM, a plain UTF-8 system export
with English headers, XLSX workbooks for CRM and questionnaires, title lines,
合计 rows, 序号/备注 columns, four date styles and Y/N as well as 是/否.
"""

from __future__ import annotations

import datetime as dt

from pipelines.demo.common import cn_month
from pipelines.demo.forms import FileForm

GB, BOM, UTF8 = "gb18030", "utf-8-sig", "utf-8"

MONTHLY: dict[str, list[tuple[str, FileForm]]] = {
    "calls": [
        ("来电记录_{month}.csv", FileForm(encoding=GB, dates="iso")),
        (
            "calls_export_{compact}.csv",
            FileForm(encoding=UTF8, headers="canonical", dates="iso", bools="tf"),
        ),
        ("来电记录_{month}.csv", FileForm(encoding=GB, dates="slash", bools="yn", total_row=True)),
    ],
    "visits": [
        (
            "来访登记表_{cn}.csv",
            FileForm(
                encoding=GB, dates="cn", title="来访登记表({cn})", extra=("序号",), total_row=True
            ),
        ),
        ("来访登记_{month}.csv", FileForm(encoding=BOM, dates="iso_min")),
        ("来访登记表_{cn}.csv", FileForm(encoding=GB, dates="slash", title="来访登记表({cn})")),
    ],
    "repairs": [
        (
            "报修记录_{month}.csv",
            FileForm(
                encoding=GB,
                dates="iso_min",
                extra=("备注",),
                title="报修登记表\n导出时间：{exported}",
            ),
        ),
        ("报修记录_{month}.csv", FileForm(encoding=GB, dates="slash", total_row=True)),
        ("维修工单{compact}.csv", FileForm(encoding=BOM, dates="cn", bools="yn")),
    ],
    "complaints": [
        ("投诉登记_{month}.csv", FileForm(encoding=BOM, dates="iso_min")),
        (
            "投诉台账{cn}.csv",
            FileForm(
                encoding=GB,
                dates="cn",
                title="客户投诉登记表({cn})",
                total_row=True,
                extra=("备注",),
            ),
        ),
        ("投诉登记_{month}.csv", FileForm(encoding=GB, dates="slash", bools="yn")),
    ],
    "survey_responses": [
        (
            "问卷回收_{month}.xlsx",
            FileForm(fmt="xlsx", title="满意度问卷回收明细({cn})", serial_share=0.02),
        ),
        ("问卷回收_{month}.xlsx", FileForm(fmt="xlsx", serial_share=0.02)),
    ],
    "crm_customers": [
        ("案场客户档案_{month}.xlsx", FileForm(fmt="xlsx", serial_share=0.03, serial_times=True)),
        (
            "案场客户档案_{month}.xlsx",
            FileForm(fmt="xlsx", title="客户信息导出({cn})", serial_share=0.03, serial_times=True),
        ),
    ],
    "sales_submissions": [
        ("案场资料递交_{month}.csv", FileForm(encoding=GB, dates="iso", bools="yn")),
        ("案场资料递交_{month}.csv", FileForm(encoding=GB, dates="cn")),
    ],
    "phone_surveys": [
        ("电访成绩_{cn}考核.csv", FileForm(encoding=UTF8, headers="canonical", dates="iso")),
        ("电访成绩_{cn}考核.csv", FileForm(encoding=GB, dates="slash")),
    ],
}
SINGLE: dict[str, tuple[str, FileForm]] = {
    "sites": (
        "项目清单.csv",
        FileForm(encoding=GB, headers="mixed", title="项目清单(截至{cn})", total_row=True),
    ),
    "survey_campaigns": (
        "满意度调查批次.csv",
        FileForm(encoding=GB, title="满意度调查批次汇总", total_row=True),
    ),
    "exemptions": ("免考核说明.csv", FileForm(encoding=GB)),
    "mystery_shops": ("神秘访客暗访_{quarter}.csv", FileForm(encoding=GB, dates="iso")),
}
# group scale: plain CSV everywhere (XLSX of 500k rows is neither fast to write nor to read),
# one big GB18030 file kept so the transcoding path is measured too
SCALE: dict[str, tuple[str, FileForm]] = {
    "calls": (
        "calls_export_{compact}.csv",
        FileForm(encoding=UTF8, headers="canonical", dates="iso"),
    ),
    "visits": ("来访登记_{month}.csv", FileForm(encoding=BOM, dates="iso_min")),
    "repairs": ("报修记录_{month}.csv", FileForm(encoding=GB, dates="iso_min", title="报修登记表")),
    "complaints": ("投诉登记_{month}.csv", FileForm(encoding=GB, dates="slash")),
    "survey_responses": ("问卷回收_{month}.csv", FileForm(encoding=BOM)),
    "crm_customers": ("案场客户档案_{month}.csv", FileForm(encoding=GB, dates="iso")),
}


def file_form(dataset: str, month_index: int, scale: bool) -> tuple[str, FileForm]:
    if scale and dataset in SCALE:
        return SCALE[dataset]
    if dataset in SINGLE:
        return SINGLE[dataset]
    forms = MONTHLY[dataset]
    return forms[month_index % len(forms)]


def exported_at(month: str, minutes: int = 0) -> dt.datetime:
    """Exports are taken the morning after the month ends."""
    year, mon = int(month[:4]), int(month[5:7])
    first_next = dt.datetime(year + mon // 12, mon % 12 + 1, 1, 8, 30)
    return first_next + dt.timedelta(minutes=minutes)


def fill(template: str, month: str, exported: dt.datetime, quarter: str = "") -> str:
    return template.format(
        month=month,
        compact=month.replace("-", ""),
        cn=cn_month(month),
        exported=f"{exported:%Y-%m-%d %H:%M}",
        quarter=quarter,
    )


def dressed(form: FileForm, month: str, exported: dt.datetime) -> FileForm:
    """The form with its title filled in for this month."""
    if not form.title:
        return form
    return FileForm(**{**form.__dict__, "title": fill(form.title, month, exported)})
