"""The capacity table's arithmetic (bench/capacity.py): scaling by Lambda's vCPU share, the
concurrency a load needs, and the cost per million events."""

from __future__ import annotations

from typing import Any

import pytest

from bench.capacity import markdown, rows, vcpu_share

MEASURED = {"handler_records_per_s_100": 5000.0, "handler_events_per_s_batch_mode": 50_000.0}
PER_EVENT = "per-event, 100 events per invocation"
BATCH = "batch, 500 events per invocation"


def row_of(mode: str, memory_mb: int) -> dict[str, Any]:
    [row] = [r for r in rows(MEASURED) if (r["mode"], r["memory_mb"]) == (mode, memory_mb)]
    return row


def test_one_vcpu_at_1769_mb_and_in_proportion_below() -> None:
    assert vcpu_share(1769) == 1.0
    assert vcpu_share(512) == pytest.approx(512 / 1769)
    assert vcpu_share(3008) == 1.0  # one thread of work gains nothing from a second vCPU


def test_the_concurrency_needed_is_the_load_over_one_invocations_rate_rounded_up() -> None:
    row = row_of(PER_EVENT, 1769)
    assert row["events_per_s"] == 5000.0
    assert row["concurrency"] == {1_000: 2, 10_000: 2, 50_000: 10}


def test_gb_seconds_per_million_events_is_the_billed_duration_times_memory() -> None:
    row = row_of(BATCH, 512)
    rate = 50_000.0 * 512 / 1769
    assert row["gb_s_per_million"] == pytest.approx(1e6 / rate * 0.5)


def test_a_need_over_the_event_source_mappings_cap_is_marked() -> None:
    slow = {"handler_records_per_s_100": 10.0}
    assert "(over the cap of 1,000)" in markdown(slow)


def test_a_mode_not_measured_has_no_rows() -> None:
    modes = {r["mode"] for r in rows({"handler_records_per_s_100": 1.0})}
    assert modes == {PER_EVENT}
