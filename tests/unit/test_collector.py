"""The garbage collector's settings around a start-up."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from sandbox.collector import YOUNG_THRESHOLD, paused_while_starting, settle_after_start_up
from tests.unit.test_memory import anonymous_mb, fragment_a_heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("restored_collector")
def test_the_collector_is_paused_while_starting_and_back_on_after_a_failed_start() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), paused_while_starting():
        assert not gc.isenabled()
        raise RuntimeError("port in use")
    assert gc.isenabled()


@pytest.mark.usefixtures("restored_collector")
def test_settling_freezes_what_start_up_built_and_collects_young_objects_less_often() -> None:
    built_at_start_up = [[] for _ in range(10)]
    gc.disable()
    settle_after_start_up()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built_at_start_up)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD > 700
    # Frozen objects are out of the collector's sight, but new cycles are still collected.
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1


@pytest.mark.usefixtures("restored_collector")
def test_settling_gives_the_heap_start_up_freed_back() -> None:
    kept: list[bytes] = []
    thread = threading.Thread(target=fragment_a_heap, args=(kept,))
    thread.start()
    thread.join()
    before = anonymous_mb()

    settle_after_start_up()

    assert before - anonymous_mb() > 20
