"""Outputs are written whole or not at all (pipelines/atomic.py)."""

from __future__ import annotations

import errno
import json

import pytest

from pipelines import jobs


def test_a_failed_write_keeps_the_previous_metrics_json_whole(tmp_path):
    target = tmp_path / "out" / "2026-10" / "metrics.json"
    target.parent.mkdir(parents=True)
    target.write_text('[{"metric": "previous"}]', encoding="utf-8")
    (target.parent / ".metrics.json.partial").symlink_to("/dev/full")
    with pytest.raises(OSError) as failed:
        jobs.write_atomically(target, json.dumps([{"metric": "new"}] * 10_000))
    assert failed.value.errno == errno.ENOSPC
    assert target.read_text(encoding="utf-8") == '[{"metric": "previous"}]'


def test_write_atomically_replaces_the_file_whole(tmp_path):
    target = tmp_path / "a" / "b" / "metrics.json"
    jobs.write_atomically(target, "[1, 2]")
    jobs.write_atomically(target, "[3]")
    assert target.read_text(encoding="utf-8") == "[3]"
    assert sorted(p.name for p in target.parent.iterdir()) == ["metrics.json"]  # no temporary left behind
