"""[delivery] is checked when the settings load: a mistake stops the command before anything runs,
with a Chinese message naming the key."""

from __future__ import annotations

import pytest

from pipelines.settings import ConfigError, load_settings

MINIMAL = '[delivery]\nsender = "kpi@example.com"\n[delivery.sites.S1]\nto = ["s1@example.com"]\n'


def loaded(tmp_path, monkeypatch, toml: str):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "kpi.toml"
    config.write_text(toml, encoding="utf-8")
    return load_settings(config).delivery


def test_no_delivery_section_sends_nothing(tmp_path, monkeypatch):
    assert loaded(tmp_path, monkeypatch, "") is None


def test_the_defaults_of_a_minimal_section(tmp_path, monkeypatch):
    delivery = loaded(tmp_path, monkeypatch, MINIMAL + '[delivery.head_office]\nto = "boss@example.com"\n')
    assert (delivery.enabled, delivery.report_html, delivery.report_pdf, delivery.worklist_html) == (
        False, "attach", True, "body")
    assert (delivery.smtp.host, delivery.smtp.security, delivery.smtp.port_or_default, delivery.smtp.attempts) == (
        None, "starttls", 587, 3)
    site, boss = sorted(delivery.recipients, key=lambda r: r.scope, reverse=True)
    # a site: its month and its worklist, not the company report; head office: the company report
    assert (site.label, site.monthly, site.company_report, site.worklist) == ("site:S1", True, False, True)
    assert (boss.label, boss.to, boss.company_report, boss.worklist) == ("head_office", ("boss@example.com",), True, False)


def test_an_ssl_server_defaults_to_port_465(tmp_path, monkeypatch):
    assert loaded(tmp_path, monkeypatch, MINIMAL + '[delivery.smtp]\nsecurity = "ssl"\n').smtp.port_or_default == 465


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[delivery.smtp]\npassword = "hunter2"\n', "[delivery] smtp.password：密码不能写在配置文件里"),
        ('[delivery.smtp]\nsecurity = "tls"\n', "[delivery] smtp.security：应为 starttls、ssl 或 none，而不是 'tls'"),
        ('[delivery.smtp]\nport = "587"\n', "[delivery] smtp.port：应为端口号（整数），如 587，而不是 '587'"),
        ('[delivery.smtp]\nport = 70000\n', "[delivery] smtp.port：端口号应在 1–65535 之间，而不是 70000"),
        ('[delivery.smtp]\nuser = "kpi"\n', "[delivery] smtp.user：有 user 就要有密码的来处"),
        ('[delivery.smtp]\npassword_env = "A"\npassword_block = "b"\n', "[delivery] smtp.password_env：password_env 与 password_block 只能选一个"),
        ('[delivery.smtp]\nattempts = 0\n', "[delivery] smtp.attempts：至少 1 次，而不是 0"),
        ('[delivery.smtp]\nhots = "x"\n', "[delivery] smtp.hots：没有这一项"),
        ('[delivery.sites.S2]\nto = ["not an address"]\n', "[delivery] sites.S2.to：'not an address' 不是邮件地址"),
        ('[delivery.sites.S2]\ncc = ["a@example.com"]\n', "[delivery] sites.S2.to：至少要有一个收件人"),
        ('[delivery.regions."东区"]\nto = ["e@example.com"]\nworklist = "yes"\n', "[delivery] regions.东区.worklist：应为 true 或 false，而不是 'yes'"),
        ('[delivery.regions."东区"]\nto = ["e@example.com"]\nbcc = ["x@example.com"]\n', "[delivery] regions.东区.bcc：没有这一项"),
    ],
)
def test_mistakes_are_named_by_key(tmp_path, monkeypatch, extra, message):
    with pytest.raises(ConfigError) as failed:
        loaded(tmp_path, monkeypatch, MINIMAL + extra)
    assert message in str(failed.value)
    assert "kpi.toml [delivery]" in str(failed.value)  # the file is named too


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[delivery]\nsender = "nobody"\n', "[delivery] sender：应为发件人地址"),
        ('[delivery]\nsender = "a@example.com"\nreport_html = "inline"\n', "[delivery] report_html：应为 body（作为正文）或 attach（作为附件），而不是 'inline'"),
        ('[delivery]\nsender = "a@example.com"\nsites = ["S1"]\n', "[delivery] sites：应写成 [delivery.sites.<名称>] 的表"),
    ],
)
def test_section_mistakes_are_named(tmp_path, monkeypatch, toml, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        loaded(tmp_path, monkeypatch, toml)


def test_a_display_name_in_chinese_is_an_address(tmp_path, monkeypatch):
    delivery = loaded(tmp_path, monkeypatch, MINIMAL.replace('"kpi@example.com"', '"客服KPI <kpi@example.com>"'))
    assert delivery.sender == "客服KPI <kpi@example.com>"
