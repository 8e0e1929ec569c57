"""The Kafka adapter's one wait (`wait_for`), on stand-ins for kafka-python's futures: it waits
on batches, follows records a size split moved, and stops at the deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from adapters.kafka_producer import wait_for
from core.deadline import Deadline
from tests.support.kafka_futures import FakeBatch


def later(seconds: float, action: Callable[[], None]) -> None:
    threading.Timer(seconds, action).start()


def test_the_wait_ends_when_every_batch_is_acknowledged() -> None:
    first, second = FakeBatch(), FakeBatch()
    futures = [first.record(), second.record(), first.record()]
    later(0.05, first.acknowledge)
    later(0.1, second.acknowledge)
    wait_for(futures, Deadline.in_seconds(10.0))
    assert all(future.is_done for future in futures)


def test_a_batch_is_waited_on_once_for_all_its_records() -> None:
    batch = FakeBatch()
    futures = [batch.record() for _ in range(100)]
    batch.acknowledge()
    wait_for(futures, Deadline.in_seconds(10.0))
    assert batch.waits == 0  # resolved before the wait began: nothing to wait on


def test_records_a_split_moved_are_waited_on_in_their_new_batch() -> None:
    old, new = FakeBatch(), FakeBatch()
    futures = [old.record(), old.record()]
    later(0.05, lambda: old.split_into(new))
    later(0.1, new.acknowledge)
    wait_for(futures, Deadline.in_seconds(10.0))
    assert all(future.is_done for future in futures)


def test_the_wait_stops_at_the_deadline_leaving_records_unresolved() -> None:
    futures = [FakeBatch().record()]
    started = time.monotonic()
    wait_for(futures, Deadline.in_seconds(0.1))
    assert time.monotonic() - started < 5.0
    assert not futures[0].is_done


def test_a_lone_record_a_split_moved_is_waited_on_until_its_new_batch_is_acknowledged() -> None:
    old, new = FakeBatch(), FakeBatch()
    futures = [old.record()]
    later(0.05, lambda: old.split_into(new))
    later(0.1, new.acknowledge)
    wait_for(futures, Deadline.in_seconds(10.0))
    assert futures[0].is_done


def test_a_record_its_batch_left_unresolved_does_not_end_the_wait_for_the_others() -> None:
    dropped, acknowledged = FakeBatch(), FakeBatch()
    futures = [dropped.record(), acknowledged.record()]
    dropped.set_without_resolving()
    later(0.05, acknowledged.acknowledge)
    wait_for(futures, Deadline.in_seconds(10.0))
    assert futures[1].is_done


def test_a_batch_set_without_resolving_its_record_ends_the_wait_for_it() -> None:
    batch = FakeBatch()
    futures = [batch.record()]
    batch.set_without_resolving()
    started = time.monotonic()
    wait_for(futures, Deadline.in_seconds(10.0))
    assert time.monotonic() - started < 5.0
    assert not futures[0].is_done
