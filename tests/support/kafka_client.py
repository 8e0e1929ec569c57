"""A double of kafka-python's `KafkaProducer`, as the producer adapter uses it: `send` returns
kafka-python's own record future bound to its own batch future, the batch resolved (or not) as a
script says for each send, so the adapter's send loop and its one wait are tested without a
broker."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kafka.producer.future import FutureProduceResult, FutureRecordMetadata
from kafka.structs import TopicPartition


@dataclass(frozen=True)
class Reply:
    """What happens to one send: acknowledged now or after `delay_s`, failed with `error`, never
    answered, or `send` itself raises `raises`."""

    delay_s: float = 0.0
    error: BaseException | None = None
    never: bool = False
    raises: BaseException | None = None


ACK = Reply()
NEVER = Reply(never=True)


def ack_after(delay_s: float) -> Reply:
    return Reply(delay_s=delay_s)


def fail(error: BaseException) -> Reply:
    return Reply(error=error)


def raising(error: BaseException) -> Reply:
    return Reply(raises=error)


@dataclass
class Sender:
    """The producer's network thread, as far as the adapter wakes and stops it."""

    force_closed: bool = False
    joined_with: list[float] = field(default_factory=list)
    wakeups: int = 0

    def wakeup(self) -> None:
        self.wakeups += 1

    def force_close(self) -> None:
        self.force_closed = True

    def join(self, timeout: float) -> None:
        self.joined_with.append(timeout)


@dataclass
class Counter:
    value: int = 0

    def decrement(self) -> None:
        self.value -= 1


@dataclass
class Accumulator:
    """The producer's record accumulator, as far as the adapter asks it to flush."""

    _flushes_in_progress: Counter = field(default_factory=Counter)
    flushes_begun: int = 0

    def begin_flush(self) -> None:
        self.flushes_begun += 1
        self._flushes_in_progress.value += 1


_ACKNOWLEDGED = (0, -1, None)  # (base offset, log append time, no per-record errors)


@dataclass
class KafkaClientDouble:
    """`script(n)` gives the reply to the n-th send (from 0)."""

    script: Callable[[int], Reply] = lambda _n: ACK
    topics: set[str] = field(default_factory=lambda: {"events"})
    metadata_answered: bool = True  # the cluster answered a metadata request at least once
    close_raises: BaseException | None = None
    config: dict[str, Any] = field(default_factory=lambda: {"max_block_ms": 5_000})
    sends: list[dict[str, Any]] = field(default_factory=list)
    max_block_ms_at_send: list[int] = field(default_factory=list)
    closed_with: list[float] = field(default_factory=list)
    _sender: Sender = field(default_factory=Sender)
    _accumulator: Accumulator = field(default_factory=Accumulator)
    _timers: list[threading.Timer] = field(default_factory=list)

    def send(self, topic: str, **record: Any) -> FutureRecordMetadata:
        reply = self.script(len(self.sends))
        self.sends.append({"topic": topic, **record})
        self.max_block_ms_at_send.append(self.config["max_block_ms"])
        if reply.raises is not None:
            raise reply.raises
        batch = FutureProduceResult(TopicPartition(topic, 0))
        future = FutureRecordMetadata(batch, 0, -1, None, -1, -1, -1)
        if reply.never:
            return future
        if reply.error is not None:
            batch.failure(reply.error)
            return future
        if reply.delay_s:
            timer = threading.Timer(reply.delay_s, batch.success, args=(_ACKNOWLEDGED,))
            self._timers.append(timer)
            timer.start()
            return future
        batch.success(_ACKNOWLEDGED)
        return future

    def close(self, timeout: float) -> None:
        self.closed_with.append(timeout)
        for timer in self._timers:
            timer.cancel()
        if self.close_raises is not None:
            raise self.close_raises

    # What the adapter reads of kafka-python's cluster metadata (`producer._metadata`).
    @property
    def _metadata(self) -> KafkaClientDouble:
        return self

    @property
    def _last_successful_refresh_ms(self) -> int:
        return 1 if self.metadata_answered else 0

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return {0, 1, 2} if topic in self.topics else None
