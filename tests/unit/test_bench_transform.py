"""The transform benchmark runs and measures what it says (a smoke test, not a timing)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "transform.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_transform", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_batch_is_about_57_kb_with_50_events(bench: ModuleType) -> None:
    body = bench.synthetic_batch(50)
    assert 55_000 <= len(body.encode()) <= 60_000
    assert len(json.loads(body)["events"]) == 50


def test_floor_makes_one_value_per_event(bench: ModuleType) -> None:
    assert len(bench.floor(bench.synthetic_batch(7), per_event=True)) == 7


@pytest.mark.parametrize("per_event", [True, False])
def test_ratio_runs_in_both_modes(bench: ModuleType, per_event: bool) -> None:
    value, micros = bench.ratio(3, per_event, repeats=1, seconds=0.001)
    assert value > 0
    assert micros > 0


@pytest.mark.parametrize("per_event", [True, False])
def test_the_transform_costs_at_most_three_times_the_orjson_floor(
    bench: ModuleType, per_event: bool
) -> None:
    # A guard, not a benchmark: CPU time of both sides, interleaved in this process, so a load
    # beside it does not move the ratio much. Normal is ~1.2; a doubled parse is ~2.4 and more.
    value, _ = bench.ratio(50, per_event, repeats=5, seconds=0.05)
    assert value <= 3.0, f"the transform costs {value:.2f}x the orjson floor"
