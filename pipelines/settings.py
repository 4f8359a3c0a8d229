"""One settings object per run: defaults, then the user's kpi.toml, then flags.

Built once by the CLI (or a flow) and passed down; nothing reads globals.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines import rules as declared_rules
from pipelines.delivery.config import Delivery, DeliveryError
from pipelines.delivery.config import parse as parse_delivery
from schemas.declarations import datasets

DEFAULTS = Path(__file__).with_name("defaults.toml")
USER_CONFIG = "kpi.toml"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse: Path
    out_dir: Path
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)  # dataset -> the sheet its workbooks hold it in
    rules: dict[str, Any] = field(default_factory=dict)  # contract §2 interpretations
    company: str | None = None  # the name in the report's title and page header
    show_contacts: bool = False  # [worklist] show_contacts: names and phones on the desk's worklist
    sources: tuple[str, ...] = ()  # the config files merged, for the run record
    delivery: Delivery | None = None  # [delivery]: who gets which mail (None: nothing is sent)

    def record(self) -> dict[str, Any]:
        """What a run stores about the settings it used."""
        return {
            "raw_dir": str(self.raw_dir),
            "warehouse": str(self.warehouse),
            "out_dir": str(self.out_dir),
            "headers": self.headers,
            "sheets": self.sheets,
            "rules": declared_rules.plain(self.rules),
            "company": self.company,
            "config_files": list(self.sources),
            "delivery": self.delivery.public() if self.delivery else None,
        }


def _merge(base: dict, top: dict) -> dict:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"配置文件 {path} 无法读取：{exc}") from exc


def _check_headers(headers: dict, source: str) -> dict[str, dict[str, str]]:
    known = datasets()
    for scope, mapping in headers.items():
        if scope != "*" and scope not in known:
            raise ConfigError(f"{source} [headers.{scope}]：没有名为 {scope} 的数据集")
        for header, column in (mapping or {}).items():
            targets = known.values() if scope == "*" else [known[scope]]
            if not any(column in ds.columns for ds in targets):
                raise ConfigError(f"{source} [headers.{scope}] \"{header}\" = \"{column}\"：没有这一列")
    return {scope: dict(mapping or {}) for scope, mapping in headers.items()}


def _check_sheets(sheets: dict, source: str) -> dict[str, str]:
    known = datasets()
    for dataset, sheet in sheets.items():
        if dataset not in known:
            raise ConfigError(f"{source} [sheets] {dataset}：没有名为 {dataset} 的数据集")
        if not isinstance(sheet, str) or not sheet:
            raise ConfigError(f"{source} [sheets] {dataset}：应写工作表的名字，如 {dataset} = \"明细\"")
    return dict(sheets)


def _rules(overrides: dict | None, source: str) -> dict:
    try:
        return declared_rules.resolve(overrides)
    except declared_rules.RuleError as exc:
        raise ConfigError(f"{source} {exc}") from exc


def _worklist_contacts(section: dict, source: str) -> bool:
    """[worklist] show_contacts: off unless set to true, so nothing mailed carries a name or phone by default."""
    value = section.get("show_contacts", False)
    if not isinstance(value, bool):
        raise ConfigError(f"{source} [worklist] show_contacts：应为 true 或 false，而不是 {value!r}")
    return value


def load_settings(config: Path | None = None, **flags: Any) -> Settings:
    """Defaults < ./kpi.toml < --config file < command-line flags (None means not given)."""
    merged = _read(DEFAULTS)
    sources = [str(DEFAULTS)]
    for path in (Path(USER_CONFIG), config):
        if path is not None and path.exists():
            merged = _merge(merged, _read(path))
            sources.append(str(path))
        elif path is config and config is not None:
            raise ConfigError(f"配置文件 {config} 不存在")
    paths = merged["paths"]
    for name in ("raw", "warehouse", "out"):
        if flags.get(name) is not None:
            paths[name] = str(flags[name])
    return Settings(
        raw_dir=Path(paths["raw"]),
        warehouse=Path(paths["warehouse"]),
        out_dir=Path(paths["out"]),
        headers=_check_headers(merged.get("headers", {}), " / ".join(sources)),
        sheets=_check_sheets(merged.get("sheets", {}), " / ".join(sources)),
        rules=_rules(merged.get("rules"), " / ".join(sources)),
        company=merged.get("report", {}).get("company") or None,
        show_contacts=_worklist_contacts(merged.get("worklist", {}), " / ".join(sources)),
        sources=tuple(sources),
        delivery=_delivery(merged.get("delivery"), " / ".join(sources)),
    )


def _delivery(section: dict | None, source: str) -> Delivery | None:
    try:
        return parse_delivery(section, source)
    except DeliveryError as exc:
        raise ConfigError(str(exc)) from exc
