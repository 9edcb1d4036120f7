"""The server's garbage collector: startup objects frozen, collections far apart."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from server import gc_tuning
from server.settings import load_settings


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_tuning_freezes_what_exists_and_raises_the_young_threshold() -> None:
    gc.unfreeze()
    _, gen1, gen2 = gc.get_threshold()
    gc_tuning.tune(50_000)
    assert gc.get_threshold() == (50_000, gen1, gen2)
    assert gc.get_freeze_count() > 0


@pytest.mark.usefixtures("restored_gc")
def test_zero_leaves_the_collector_as_cpython_has_it() -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    gc_tuning.tune(0)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_threshold_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GC_GEN0_THRESHOLD", raising=False)
    assert load_settings().gc_gen0_threshold == 50_000
    monkeypatch.setenv("GC_GEN0_THRESHOLD", "0")
    assert load_settings().gc_gen0_threshold == 0
