"""Load held: many messages, no fault, through the local event source mapping and the real
handler: nothing lost, no duplicate. 500 messages in make test, 50,000 in the full run."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

from handlers.local.event_source_mapping import MappingConfig
from tests.support.reliability.harness import Harness, full_scale, size

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(3000 if full_scale() else 300)]

# Lambda's shape for a busy queue: batches of up to 100 gathered in a short window; the
# visibility timeout and function timeout as deployed (no redelivery without a fault).
LOAD = MappingConfig(
    batch_size=100, batching_window_s=0.3, visibility_timeout_s=60, function_timeout_s=30.0
)
BACKLOG = int(os.environ.get("RELIABILITY_LOAD_BACKLOG") or 30)


def test_load_without_faults_delivers_every_message_once(
    build_harness: Callable[..., Harness],
) -> None:
    harness = build_harness()
    # RELIABILITY_LOAD_MESSAGES overrides the count (e.g. a quicker measurement of throughput).
    count = int(os.environ.get("RELIABILITY_LOAD_MESSAGES") or size(500, 50_000))
    began = time.monotonic()
    # Sent while the mapping polls, keeping a bounded backlog, as a steady stream would.
    stats = harness.run(
        lambda h: h.send_streaming(count, backlog=BACKLOG), config=LOAD, max_seconds=2700
    )
    seconds = time.monotonic() - began
    note = f"{count / seconds:.0f} msg/s end to end, {stats.invocations} invocations"
    result = harness.account("load, no fault", note=note)
    assert result.lost == 0, result
    assert result.duplicates == 0, result
    assert result.delivered == count
    assert result.dead_lettered == 0, result
    assert stats.failed_invocations == 0
    assert stats.reported_failed == 0
