"""Fault scenarios (docs/reliability.md#faults): each sends messages through the local event source
mapping and the real handler, applies one fault through the proxy (or to the broker, the
handler process, the credentials or the dead-letter queue), drains, and accounts for every
message: nothing lost, duplicates within the bound. `make test` runs short versions;
`RELIABILITY_SCALE=full` (make test-reliability) runs them at full size."""

from __future__ import annotations

import dataclasses
import json
import signal
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from core.backoff import Backoff
from handlers.local.event_source_mapping import MappingConfig
from local_stack import StackInfo, set_scram_password, start_broker, stop_broker
from local_stack.queues import MAX_RECEIVE_COUNT
from tests.support.reliability.harness import (
    FAST,
    Harness,
    Result,
    full_scale,
    size,
)
from tests.support.reliability.proxy import FaultProxy

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(1200 if full_scale() else 300)]

Build = Callable[..., Harness]


def assert_accounted(harness: Harness, result: Result, *, no_timeouts: bool = True) -> None:
    """Nothing lost, duplicates within the bound, every valid message in Kafka and none
    dead-lettered by the forwarder, and (in process) the handler always returned in time."""
    assert result.lost == 0, result
    assert result.duplicates <= result.bound, result
    assert result.delivered == harness.valid(), result
    assert result.rejected_valid == 0, result
    assert harness.queue_depth() == 0
    if no_timeouts:
        assert result.failed_invocations == 0, result


def run_struck_when_warm(harness: Harness, strike: Callable[[FaultProxy], None]) -> None:
    """Run with `strike` applied to the proxy as the second invocation begins (the producer is
    warm: the fault hits a produce, not a login); heal once 10 messages were reported for retry."""

    def on_invoke(invocation: int) -> None:
        if invocation == 2:
            strike(harness.proxy)

    harness.on_invoke = on_invoke

    def heal(h: Harness) -> None:
        h.wait_until(lambda: h.stats[-1].reported_failed >= 10, 60)
        h.proxy.heal()

    harness.run(heal)


def test_broker_down_before_a_batch_loses_nothing(build_harness: Build) -> None:
    harness = build_harness()
    harness.send(size(60, 900), invalid_every=10)
    harness.proxy.down()

    def outage(h: Harness) -> None:
        h.wait_until(lambda: h.stats[-1].reported_failed >= 10, 30)
        time.sleep(2)
        h.proxy.up()

    harness.run(outage)
    result = harness.account("broker down before a batch")
    assert_accounted(harness, result)
    assert result.dead_lettered == sum(1 for r in harness.expected.values() if r == 0)
    assert harness.stats[-1].reported_failed >= 10


def test_broker_down_during_a_batch_loses_nothing(build_harness: Build) -> None:
    harness = build_harness()
    harness.send(size(60, 900))
    struck = threading.Event()

    def go_down() -> None:
        harness.proxy.down()
        struck.set()

    def strike(invocation: int) -> None:
        if invocation == 3:  # warm; the latency keeps this produce in flight when it goes
            harness.proxy.latency_ms = 200
            threading.Timer(0.15, go_down).start()

    harness.on_invoke = strike

    def outage(h: Harness) -> None:
        assert struck.wait(60)
        time.sleep(4)
        h.proxy.heal()

    harness.run(outage)
    result = harness.account("broker down during a batch")
    assert_accounted(harness, result)
    assert harness.stats[-1].reported_failed > 0


def test_latency_below_the_remaining_time_makes_no_duplicate(build_harness: Build) -> None:
    harness = build_harness()
    harness.send(size(60, 900))
    # 25 ms each way per chunk. (With a 6 s function timeout the producer's max_block_ms is
    # 1.5 s; at 100 ms per chunk a cold TLS + SCRAM bootstrap needs longer than that.)
    harness.proxy.latency_ms = 25
    harness.run()
    result = harness.account("latency below remaining time")
    assert_accounted(harness, result)
    assert result.duplicates == 0
    assert harness.stats[-1].reported_failed == 0


def test_latency_above_the_remaining_time_is_retried_and_delivered(build_harness: Build) -> None:
    harness = build_harness()
    harness.send(size(60, 900))

    def slow_down(proxy: FaultProxy) -> None:
        proxy.latency_ms = 8000  # above the 6 s function timeout

    run_struck_when_warm(harness, slow_down)
    result = harness.account("latency above remaining time")
    # The handler gave up at its own deadline, never overran the function timeout.
    assert_accounted(harness, result)
    assert harness.stats[-1].reported_failed >= 10


def test_connections_reset_mid_produce_lose_nothing(build_harness: Build) -> None:
    harness = build_harness()
    harness.send(size(60, 900))
    harness.proxy.latency_ms = 30  # requests spend time in flight, where the resets hit
    resets: list[int] = []

    window_s = 20 if full_scale() else 4
    # Five failed receives of one message need (MAX_RECEIVE_COUNT - 1) visibility timeouts:
    # longer than the resets last, so SQS never moves a message to the dead-letter queue here
    # (that is the long-outage scenario's subject).
    config = dataclasses.replace(FAST, visibility_timeout_s=6)
    assert (MAX_RECEIVE_COUNT - 1) * config.visibility_timeout_s > window_s

    def reset_repeatedly(h: Harness) -> None:
        deadline = time.monotonic() + window_s
        while time.monotonic() < deadline and h.queue_depth():
            time.sleep(0.25)
            resets.append(h.proxy.reset())
        h.proxy.heal()

    harness.run(reset_repeatedly, config=config)
    result = harness.account("connection reset mid-produce", note=f"{sum(resets)} resets")
    assert_accounted(harness, result)
    assert sum(resets) > 0


def test_dropped_responses_duplicate_only_within_the_bound(build_harness: Build) -> None:
    harness = build_harness()
    harness.send(size(60, 900))

    def drop(proxy: FaultProxy) -> None:
        proxy.drop_responses = True  # requests reach the broker, answers do not

    run_struck_when_warm(harness, drop)
    result = harness.account("responses dropped")
    assert_accounted(harness, result)
    assert harness.stats[-1].reported_failed >= 10


# A broker restart is a JVM start: ~6 s on an idle machine, 30 s and more on a loaded one. The
# local backoff (a 7 s retry horizon) would let a slow restart exhaust the messages' receives;
# this backoff gives a 60 s horizon, so the scenario tests the restart, not the machine's speed.
RESTART_BACKOFF = Backoff(base_seconds=8, max_seconds=64)


def test_broker_killed_and_restarted_loses_nothing(build_harness: Build) -> None:
    harness = build_harness(
        extra_env={
            "RETRY_BACKOFF_BASE_SECONDS": str(RESTART_BACKOFF.base_seconds),
            "RETRY_BACKOFF_MAX_SECONDS": str(RESTART_BACKOFF.max_seconds),
        }
    )
    harness.send(size(60, 900))
    killed = threading.Event()
    down: list[float] = []

    def kill(invocation: int) -> None:
        if invocation == 2:
            stop_broker(harness.stack, kill=True)  # SIGKILL, a crash
            down.append(time.monotonic())
            killed.set()

    harness.on_invoke = kill

    def restart(h: Harness) -> None:
        assert killed.wait(60)
        time.sleep(2)
        start_broker(h.stack)
        down.append(time.monotonic())

    harness.run(restart)
    outage = down[1] - down[0]
    horizon = RESTART_BACKOFF.shortest_horizon(MAX_RECEIVE_COUNT)
    assert outage < horizon, f"the restart took {outage:.0f} s, beyond the {horizon} s horizon"
    result = harness.account("broker killed and restarted")
    assert_accounted(harness, result)
    assert harness.stats[-1].reported_failed > 0


def test_handler_process_killed_mid_batch_loses_nothing(
    build_harness: Build, tmp_path: Path
) -> None:
    harness = build_harness()
    harness.send(size(60, 900))
    first_log = tmp_path / "first.jsonl"
    first = harness.spawn_worker(first_log, tmp_path / "first.out")
    try:
        harness.wait_until(lambda: harness.read_worker_log(first_log) >= 3, 90, step_s=0.05)
        harness.proxy.latency_ms = 400  # warm now: each produce stays in flight for a while
        began = harness.read_worker_log(first_log)
        harness.wait_until(lambda: harness.read_worker_log(first_log) > began, 30, step_s=0.02)
        time.sleep(0.3)  # inside that invocation's produce
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert first.returncode == -signal.SIGKILL
    harness.proxy.heal()
    second_log = tmp_path / "second.jsonl"
    second = harness.spawn_worker(second_log, tmp_path / "second.out")
    second.wait(240)
    output = (tmp_path / "second.out").read_text(encoding="utf-8", errors="replace")
    assert second.returncode == 0, output[-3000:]
    harness.read_worker_log(first_log)
    harness.read_worker_log(second_log)
    stats = json.loads(output.strip().splitlines()[-1])
    result = harness.account(
        "handler process killed mid-batch", note=f"{stats['invocations']} invocations after"
    )
    assert_accounted(harness, result, no_timeouts=False)
    assert max(harness.receives.values()) >= 2  # the killed batch came back


def test_wrong_credentials_are_retried_and_delivered_after_the_fix(build_harness: Build) -> None:
    harness = build_harness(password="not-the-password")

    harness.send(size(60, 900))

    def fix(h: Harness) -> None:
        h.wait_until(lambda: h.stats[-1].reported_failed >= 10, 60)
        user = h.stack.credentials("SCRAM-SHA-512")
        h.secrets.put_secret_value(
            SecretId=h.secret_id,
            SecretString=json.dumps({"username": user.username, "password": user.password}),
        )

    harness.run(fix)
    result = harness.account("wrong credentials, then fixed")
    assert_accounted(harness, result)
    assert harness.stats[-1].reported_failed >= 10


def test_password_rotation_while_warm_loses_nothing(
    build_harness: Build, proxied_stack: StackInfo
) -> None:
    username = f"rotated-{uuid.uuid4().hex[:8]}"
    set_scram_password(proxied_stack, "SCRAM-SHA-512", username, "password-1")
    harness = build_harness(username=username, password="password-1")
    harness.send(size(60, 900))

    def rotate(invocation: int) -> None:
        if invocation == 3:  # warm: the producer logged in with the old password
            set_scram_password(harness.stack, "SCRAM-SHA-512", username, "password-2")
            harness.secrets.put_secret_value(
                SecretId=harness.secret_id,
                SecretString=json.dumps({"username": username, "password": "password-2"}),
            )
            harness.proxy.reset()  # force reconnects: the broker checks the new password

    harness.on_invoke = rotate
    harness.run()
    result = harness.account("password rotation while warm")
    assert_accounted(harness, result)
    assert harness.invoked >= 3


def test_dead_letter_queue_failing_retries_invalid_then_dead_letters(
    build_harness: Build, proxied_stack: StackInfo
) -> None:
    # A queue URL of the stack's account that does not exist yet: every dead-letter send fails.
    missing = proxied_stack.dlq_url.rsplit("/", 1)[0] + f"/late-dlq-{uuid.uuid4().hex[:8]}"
    harness = build_harness(dead_letter_queue_url=missing)
    harness.extra_dead_letter_queues.append(missing)
    harness.send(size(60, 900), invalid_every=5)

    def restore(h: Harness) -> None:
        h.wait_until(lambda: h.stats[-1].reported_failed >= 3, 60)
        created = h.sqs.create_queue(QueueName=missing.rsplit("/", 1)[1])["QueueUrl"]
        assert created == missing

    harness.run(restore)
    result = harness.account("dead-letter queue send failing")
    assert_accounted(harness, result)
    invalid = sum(1 for r in harness.expected.values() if r == 0)
    assert result.dead_lettered == invalid
    assert harness.queue_depth(harness.dlq_url) == 0  # none went by the redrive policy
    assert harness.stats[-1].reported_failed >= 3


def test_outage_longer_than_the_redrive_window_is_redriven_and_delivered(
    build_harness: Build,
) -> None:
    harness = build_harness()
    count = size(30, 300)
    harness.send(count)
    harness.proxy.down()
    moved: list[int] = []

    def outage(h: Harness) -> None:
        # maxReceiveCount (5) x visibility (2 s) passes: the redrive policy moves every message.
        h.wait_until(lambda: h.queue_depth(h.dlq_url) == count, 240, step_s=0.5)
        h.proxy.up()
        moved.append(h.redrive())

    config = MappingConfig(
        batch_size=100,
        batching_window_s=0.5,
        visibility_timeout_s=FAST.visibility_timeout_s,
        function_timeout_s=FAST.function_timeout_s,
    )
    harness.run(outage, config=config)
    result = harness.account("outage > maxReceiveCount x visibility", note=f"redrove {moved}")
    assert moved == [count]
    assert_accounted(harness, result)
    assert harness.queue_depth(harness.dlq_url) == 0
