"""SQS semantics under faults (docs/reliability.md#faults): an outage longer than the old redrive
window moves nothing to a dead-letter queue thanks to the backoff, and a redrive after exhaustion
keeps the dedup ids, so a consumer dropping duplicates by `x-forwarder-dedup-id` ends with one copy
of every record. `make test` runs short versions; make test-reliability the full ones."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable

import pytest

from core.backoff import Backoff
from core.producer_session import PROBE_WAIT_S
from handlers.local.event_source_mapping import MappingConfig
from local_stack import read_topic
from local_stack.queues import MAX_RECEIVE_COUNT
from tests.support.reliability.harness import DEDUP_HEADER, FAST, Harness, full_scale, size

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(1200 if full_scale() else 300)]

Build = Callable[..., Harness]

# The redrive window before the backoff: every receive hid a message for the visibility timeout.
OLD_WINDOW_S = MAX_RECEIVE_COUNT * FAST.visibility_timeout_s
OUTAGE_S = 3 * OLD_WINDOW_S
# The deployed backoff (30 s doubling to 900 s over 24 receives) scaled to the local queues' 5
# receives: 5 s doubling to 40 s, whose shortest horizon (3 + 5 + 10 + 20 s) outlasts the outage.
SCALED_BACKOFF = Backoff(5, 40)
# A 30 s function, as a deployed one would have (the FAST config's 6 s bounds kafka-python's
# metadata wait to 1.5 s, below the breaker's probe): an outage invocation without the breaker
# waits 5 s for metadata.
OUTAGE_CONFIG = MappingConfig(
    batch_size=10, batching_window_s=0.1, visibility_timeout_s=40, function_timeout_s=30.0
)


def test_outage_longer_than_the_redrive_window_moves_nothing_to_a_dead_letter_queue(
    build_harness: Build,
) -> None:
    assert SCALED_BACKOFF.shortest_horizon(MAX_RECEIVE_COUNT) > OUTAGE_S
    harness = build_harness(
        extra_env={
            "RETRY_BACKOFF_BASE_SECONDS": str(SCALED_BACKOFF.base_seconds),
            "RETRY_BACKOFF_MAX_SECONDS": str(SCALED_BACKOFF.max_seconds),
        }
    )
    count = size(30, 300)
    harness.send(count)
    window: list[float] = []

    def outage(h: Harness) -> None:
        window.append(time.monotonic())
        h.proxy.down()
        time.sleep(OUTAGE_S)
        h.proxy.up()
        window.append(time.monotonic())

    harness.run(outage, config=OUTAGE_CONFIG)
    recovered_in = time.monotonic() - window[1]
    during = harness.invocations_between(window[0], window[1])
    per_receive = sum(s for s, _ in during) / sum(n for _, n in during)
    note = f"{per_receive:.2f} Lambda-s per message received in the outage"
    result = harness.account("outage longer than the redrive window", note=note)
    assert result.lost == 0, result
    assert result.delivered == count, result
    assert result.dead_lettered == 0, result
    assert harness.queue_depth(harness.dlq_url) == 0
    assert harness.queue_depth(harness.invalid_url) == 0
    # Every message is tried again within one longest delay of the recovery (plus the drain).
    assert recovered_in <= SCALED_BACKOFF.max_seconds + 30
    # The breaker: after the first invocation found the cluster unreachable, the others probed.
    assert statistics.median(s for s, _ in during[1:]) <= PROBE_WAIT_S + 1.0


def test_redrive_keeps_dedup_ids(build_harness: Build) -> None:
    harness = build_harness()
    count = size(30, 300)
    harness.send(count)
    moved: list[int] = []

    def lose_answers(invocation: int) -> None:
        # From the second invocation on (the producer is warm), answers are lost: that batch's
        # records reach Kafka unacknowledged, then nothing gets through until every message
        # left used up its receives.
        if invocation == 2:
            harness.proxy.drop_responses = True

    harness.on_invoke = lose_answers

    def exhaust_then_redrive(h: Harness) -> None:
        # Every message left needs 5 failed receives, a batch at a time: at full size (30 batches
        # of about 2 s each, the breaker's probe, 5 times over) that takes longer than 4 minutes.
        h.wait_until(
            lambda: h.queue_depth(h.dlq_url) + h.acknowledged() == count, size(240, 900), 0.5
        )
        h.proxy.heal()
        moved.append(h.redrive())

    harness.run(exhaust_then_redrive)
    copies = Counter(
        dict(record.headers)[DEDUP_HEADER].decode()
        for record in read_topic(harness.stack, harness.topic, timeout_s=120)
    )
    expected = {
        f"{digest}:{n}"
        for digest, logical in harness.logical_of_digest.items()
        for n in range(harness.expected[logical])
    }
    result = harness.account(
        "redrive keeps dedup ids", note=f"redrove {moved}, {sum(copies.values())} records read"
    )
    assert moved[0] > 0
    assert result.lost == 0, result
    assert 0 < result.duplicates <= result.bound, result  # Kafka had records it got again
    assert result.rejected_valid == 0, result
    assert result.delivered == count, result
    assert set(copies) == expected  # dropping duplicates by the header leaves one copy of each
    assert harness.queue_depth(harness.dlq_url) == 0
