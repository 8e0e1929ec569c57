"""FIFO order under faults (docs/reliability.md#faults): messages of several users, one FIFO
message group per user, go through a FIFO source queue while the broker is killed and restarted
and then connections are reset mid-produce. Nothing is lost, nothing reaches a dead-letter queue,
and each user's records, read from Kafka with duplicates dropped by `x-forwarder-dedup-id` (the
first copy kept), are in SQS order. `make test` runs a short version; make test-reliability the
full one."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import defaultdict
from collections.abc import Callable

import pytest

from core.backoff import Backoff
from local_stack import read_topic, start_broker, stop_broker
from local_stack.queues import MAX_RECEIVE_COUNT
from tests.support.reliability.harness import DEDUP_HEADER, FAST, Harness, full_scale, size

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(1200 if full_scale() else 300)]

Build = Callable[..., Harness]

# A message held back behind a failed one is received (and returned) too, so the faults must end
# well within the receives SQS allows before its redrive: the backoff keeps them apart.
BACKOFF = Backoff(10, 40)
RESET_WINDOW_S = 20 if full_scale() else 4
CONFIG = dataclasses.replace(FAST, visibility_timeout_s=6)


def first_copies_by_user(harness: Harness) -> dict[int, list[tuple[int, int]]]:
    """(logical id, record number) of each user's records in Kafka order, duplicates dropped."""
    seen: set[str] = set()
    order: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for record in read_topic(harness.stack, harness.topic, timeout_s=120):
        dedup = dict(record.headers)[DEDUP_HEADER].decode()
        if dedup in seen:
            continue
        seen.add(dedup)
        digest, n = dedup.rsplit(":", 1)
        logical = harness.logical_of_digest[digest]
        order[harness.mpid_of(logical)].append((logical, int(n)))
    return order


def test_fifo_order_per_user_survives_a_broker_kill_and_connection_resets(
    build_harness: Build,
) -> None:
    assert BACKOFF.shortest_horizon(MAX_RECEIVE_COUNT) > 50
    harness = build_harness(
        groups=size(3, 8),
        extra_env={
            "RETRY_BACKOFF_BASE_SECONDS": str(BACKOFF.base_seconds),
            "RETRY_BACKOFF_MAX_SECONDS": str(BACKOFF.max_seconds),
        },
    )
    count = size(60, 600)
    harness.send(count)
    harness.proxy.latency_ms = 30  # requests spend time in flight, where the resets hit
    killed = threading.Event()
    resets: list[int] = []

    def kill(invocation: int) -> None:
        if invocation == 2:  # warm: the fault hits a produce, not a login
            stop_broker(harness.stack, kill=True)
            killed.set()

    harness.on_invoke = kill

    def faults(h: Harness) -> None:
        assert killed.wait(60)
        time.sleep(2)
        start_broker(h.stack)
        restarted_at = h.invoked
        h.wait_until(lambda: h.invoked >= restarted_at + 2 or not h.queue_depth(), 60)
        ends = time.monotonic() + RESET_WINDOW_S
        while time.monotonic() < ends and h.queue_depth():
            time.sleep(0.25)
            resets.append(h.proxy.reset())
        h.proxy.heal()

    harness.run(faults, config=CONFIG, max_seconds=600)
    result = harness.account("FIFO order under faults", note=f"{sum(resets)} resets")
    assert result.lost == 0, result
    assert result.delivered == count, result
    assert result.dead_lettered == 0, result
    assert result.duplicates <= result.bound, result
    assert sum(s.reported_failed for s in harness.stats) > 0  # the faults struck
    for user, records in first_copies_by_user(harness).items():
        assert records == sorted(records), f"user {user}: records out of SQS order"
    assert harness.queue_depth() == 0
