"""Free C heap pages go back to the system under glibc (where the sandbox runs); elsewhere nothing is done."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from sandbox import memory


def anonymous_mb() -> float:
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no Anonymous line in smaps_rollup")


def fragment_a_heap(kept: list[bytes]) -> None:
    """In a thread of its own (so in a heap of its own): 48 MB of 4 KB blocks, every 64th kept.

    The blocks kept pin the heap's top, so free() alone cannot shrink it: 47 MB stays free inside.
    """
    blocks = [bytes(4000) for _ in range(12_000)]
    kept.extend(blocks[::64])
    del blocks


def test_free_pages_inside_the_heap_go_back_and_what_is_in_use_stays() -> None:
    kept: list[bytes] = []
    thread = threading.Thread(target=fragment_a_heap, args=(kept,))
    thread.start()
    thread.join()
    before = anonymous_mb()

    assert memory.release_free_heap("a test") is True

    assert before - anonymous_mb() > 20
    assert len(kept) == 188 and all(block == bytes(4000) for block in kept)


def test_other_c_libraries_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "confstr", lambda _name: None)  # what musl answers

    assert memory.release_free_heap("a test") is False


def test_a_platform_without_the_name_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(_name: str) -> str:
        raise ValueError("unrecognized configuration name")

    monkeypatch.setattr(os, "confstr", unknown)

    assert memory.release_free_heap("a test") is False
