from __future__ import annotations

import pytest

from pipelines.ingest.prefetch import prefetch


def test_prefetch_yields_every_item_in_order():
    assert list(prefetch(iter(range(10)), depth=2)) == list(range(10))


def test_prefetch_raises_the_workers_error_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("broken file")

    seen = []
    with pytest.raises(ValueError, match="broken file"):
        for item in prefetch(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_consumer_stopping_early_does_not_hang():
    for item in prefetch(iter(range(1000)), depth=1):
        if item == 3:
            break
