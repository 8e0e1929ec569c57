"""The capacity and cost table, computed from the figures of one `make bench` run.

Measured: events/s of one warm handler invoked back to back (one concurrent invocation), on the
bench machine: per-event mode at 100 and 1,000 records per invocation (10 and 100 messages of
10-event batches; the template's default `BatchSize` is 100) and batch mode at 10 messages of
50-event batches. Estimated from it: the same at 512 MB and 1,769 MB of Lambda memory, scaled by
the vCPU share Lambda documents (CPU in proportion to memory, one vCPU at 1,769 MB), taking one
bench-machine core as one vCPU and the handler as wholly CPU-bound (so the 512 MB figure is a
lower bound: the acknowledgement wait needs no CPU); the event source mapping's
`MaximumConcurrency` each rate needs (at least 2, at most 1,000, per the API); and Lambda
GB-seconds per million events.
"""

from __future__ import annotations

import math
from typing import Any

ONE_VCPU_MB = 1769
MEMORIES_MB = (512, ONE_VCPU_MB)
LOADS_EVENTS_PER_S = (1_000, 10_000, 50_000)
MIN_CONCURRENCY, MAX_CONCURRENCY = 2, 1000


def vcpu_share(memory_mb: int) -> float:
    """Lambda's CPU in vCPUs at `memory_mb` (in proportion to memory up to one vCPU)."""
    return min(1.0, memory_mb / ONE_VCPU_MB)


def rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (mode, memory): events/s per concurrent invocation, the concurrency each
    load needs, and GB-seconds per million events."""
    measured = {
        "per-event, 100 events per invocation": results.get("handler_records_per_s_100"),
        "per-event, 1,000 events per invocation": results.get("handler_records_per_s_1000"),
        "batch, 500 events per invocation": results.get("handler_events_per_s_batch_mode"),
    }
    table = []
    for mode, rate in measured.items():
        if not rate:
            continue
        for memory_mb in MEMORIES_MB:
            per_invocation = rate * vcpu_share(memory_mb)
            table.append(
                {
                    "mode": mode,
                    "memory_mb": memory_mb,
                    "events_per_s": per_invocation,
                    "concurrency": {
                        load: max(MIN_CONCURRENCY, math.ceil(load / per_invocation))
                        for load in LOADS_EVENTS_PER_S
                    },
                    "gb_s_per_million": 1e6 / per_invocation * memory_mb / 1024,
                }
            )
    return table


def markdown(results: dict[str, Any]) -> str:
    """The table as docs/benchmarks.md shows it."""
    loads = " | ".join(
        f"`MaximumConcurrency` for {load // 1000}k events/s" for load in LOADS_EVENTS_PER_S
    )
    lines = [
        f"| Mode | Memory | Events/s per concurrent invocation | {loads} "
        "| GB-s per million events |",
        "|---|---|---|" + "---|" * len(LOADS_EVENTS_PER_S) + "---|",
    ]
    for row in rows(results):
        cells = [_concurrency(row["concurrency"][load]) for load in LOADS_EVENTS_PER_S]
        lines.append(
            f"| {row['mode']} | {row['memory_mb']} MB | {row['events_per_s']:,.0f} | "
            + " | ".join(cells)
            + f" | {row['gb_s_per_million']:,.1f} |"
        )
    return "\n".join(lines)


def _concurrency(needed: int) -> str:
    return f"{needed:,}" if needed <= MAX_CONCURRENCY else f"{needed:,} (over the cap of 1,000)"
