from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.settings import ConfigError, load_settings


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
