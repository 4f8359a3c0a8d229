"""One Settings object: defaults.toml < ./kpi.toml < --config < flags, built once per run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.settings import ConfigError, load_settings
from tests.faults import calls_for_october


def test_defaults_then_config_file_then_flags(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "mine.toml"
    config.write_text('[paths]\nraw = "exports"\nout = "reports"\n[headers.calls]\n"主叫号码" = "phone"\n', encoding="utf-8")
    settings = load_settings(config, out="elsewhere")
    assert settings.raw_dir == Path("exports")
    assert settings.warehouse == Path("data/warehouse.duckdb")
    assert settings.out_dir == Path("elsewhere")
    assert settings.headers["calls"] == {"主叫号码": "phone"}


def test_kpi_toml_in_the_working_folder_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kpi.toml").write_text('[headers."*"]\n"门店编码" = "site_id"\n', encoding="utf-8")
    assert load_settings().headers["*"] == {"门店编码": "site_id"}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[headers.calls]\n"x" = "no_such_column"\n', '[headers.calls] "x" = "no_such_column"：没有这一列'),
        ('[headers.callz]\n"x" = "phone"\n', "[headers.callz]：没有名为 callz 的数据集"),
        ("[paths\n", "无法读取"),
    ],
)
def test_config_mistakes_are_named(tmp_path, monkeypatch, toml, message):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "bad.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(config)


def test_a_named_config_file_must_exist(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="不存在"):
        load_settings(tmp_path / "missing.toml")


def test_flags_over_config_over_kpi_toml_over_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kpi.toml").write_text(
        '[paths]\nraw = "toml-raw"\nout = "toml-out"\n'
        '[report]\ncompany = "甲物业"\n'
        '[rules.complaints]\nreply_hours = 48\n', encoding="utf-8")
    config = tmp_path / "mine.toml"
    config.write_text('[paths]\nout = "config-out"\n[report]\ncompany = "乙物业"\n'
                      '[rules.complaints]\nclosure_window_days = 10\n', encoding="utf-8")
    settings = load_settings(config, out="flag-out", warehouse=None)
    assert settings.warehouse == Path("data/warehouse.duckdb")  # defaults.toml only
    assert settings.raw_dir == Path("toml-raw")  # kpi.toml over the default
    assert settings.company == "乙物业"  # --config over kpi.toml
    assert settings.out_dir == Path("flag-out")  # the flag over all three (None: a flag not given)
    # tables merge key by key: each file changes only what it names
    assert (settings.rules["complaints"]["reply_hours"], settings.rules["complaints"]["closure_window_days"]) == (48, 10)
    assert settings.sources[1:] == ("kpi.toml", str(config))


def test_kpi_run_builds_the_settings_once_and_its_run_records_them(raw, tmp_path, monkeypatch, prefect_env):
    """The command builds the Settings and hands the object to the flow, which builds none of its own."""
    from pipelines import cli, flows

    monkeypatch.chdir(tmp_path)
    (tmp_path / "kpi.toml").write_text('[report]\ncompany = "甲物业"\n', encoding="utf-8")
    config = tmp_path / "mine.toml"
    config.write_text('[paths]\nout = "config-out"\nraw = "nowhere"\n', encoding="utf-8")
    built, rebuilt = [], []
    monkeypatch.setattr(cli, "load_settings", lambda *a, **k: built.append(a) or load_settings(*a, **k))
    monkeypatch.setattr(flows, "load_settings", lambda *a, **k: rebuilt.append(a) or load_settings(*a, **k))
    calls_for_october(raw)
    result = CliRunner().invoke(cli.app, ["run", "--config", str(config), "--raw", str(raw.root),
                                          "--warehouse", str(raw.db_path), "--month", "2026-10",
                                          "--as-of", "2026-11-05T06:00"])
    assert result.exit_code == 0, result.output
    assert (len(built), rebuilt) == (1, [])
    ((recorded,),) = raw.rows("select settings from runs where command = 'run'")
    recorded = json.loads(recorded)
    assert (recorded["raw_dir"], recorded["out_dir"], recorded["company"]) == (str(raw.root), "config-out", "甲物业")
    assert recorded["config_files"][1:] == ["kpi.toml", str(config)]
    assert (tmp_path / "config-out" / "2026-10" / "metrics.json").exists()
