"""The demo generator: reproducible to the byte, different per seed, every dataset
present, and headers the reader recognises."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from pipelines.demo import DEFAULT_MONTHS, generate, months_range
from pipelines.ingest.headers import HeaderMatcher
from schemas.declarations import datasets

SMALL = {"sites": 6, "months": ["2026-10", "2026-11"]}


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, list[Path]]]:
    root = tmp_path_factory.mktemp("demo") / "raw"
    return root, generate(root, seed=7, **SMALL)


def test_same_seed_gives_identical_bytes(demo, tmp_path):
    root, _ = demo
    generate(tmp_path / "again", seed=7, **SMALL)
    first, second = digests(root), digests(tmp_path / "again")
    assert first and first == second


def test_different_seed_gives_different_content(demo, tmp_path):
    root, _ = demo
    generate(tmp_path / "other", seed=8, **SMALL)
    first, other = digests(root), digests(tmp_path / "other")
    changed = [name for name in first if first[name] != other.get(name)]
    assert len(changed) > len(first) // 2


def test_every_dataset_gets_a_file_and_returned_paths_exist(demo):
    root, written = demo
    assert list(written) == list(datasets())
    for name, paths in written.items():
        assert paths, name
        for path in paths:
            assert path.is_file() and path.stat().st_size > 0
            assert path.parent == root / name


def test_default_months_are_not_mutated(tmp_path):
    before = list(DEFAULT_MONTHS)
    generate(tmp_path / "one", sites=3, months=["2026-11"])
    assert DEFAULT_MONTHS == before


def test_months_range():
    assert months_range("2026-09", "2026-11") == ["2026-09", "2026-10", "2026-11"]
    assert months_range("2026-12", "2027-01") == ["2026-12", "2027-01"]
    assert months_range("2026-10", "2026-10") == ["2026-10"]
    with pytest.raises(ValueError):
        months_range("2026-11", "2026-09")


def _top_rows(path: Path) -> list[list[str]]:
    if path.suffix == ".xlsx":
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return [[str(c) for c in row] for row in sheet.to_python()[:5]]
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return list(csv.reader(io.StringIO(text)))[:5]


def test_every_file_has_a_header_naming_all_required_columns(demo):
    _, written = demo
    matcher = HeaderMatcher(datasets())
    for name, paths in written.items():
        for path in paths:
            found = [{matcher.match(name, cell) for cell in row} - {""} for row in _top_rows(path)]
            header = max(found, key=len)
            missing = set(datasets()[name].required) - header
            assert not missing, f"{path.name}: {missing}"


def test_encodings_and_forms_vary(demo):
    _, written = demo
    suffixes = {p.suffix for paths in written.values() for p in paths}
    assert suffixes == {".csv", ".xlsx"}
    starts = {p.read_bytes()[:3] for paths in written.values() for p in paths if p.suffix == ".csv"}
    assert b"\xef\xbb\xbf" in starts  # at least one UTF-8 file with BOM
    gb = [
        p
        for paths in written.values()
        for p in paths
        if p.suffix == ".csv" and p.read_bytes()[:3] != b"\xef\xbb\xbf" and _is_gb18030_only(p)
    ]
    assert gb, "no GB18030 file"


def _is_gb18030_only(path: Path) -> bool:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError:
        data.decode("gb18030")
        return True
