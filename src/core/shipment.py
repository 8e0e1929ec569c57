"""An invocation's records on their way to Kafka, in slices under a byte budget.

Records are built into the current slice while the messages are transformed, one message after
the other; a full slice is handed to the producer session, which sends it and waits once. So the
function holds at most one slice of values (plus the producer's copy while it waits), and a
message's records are built only when their turn comes: whatever a batch expands into, memory
stays bounded. An invocation whose records fit in one slice waits once, as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import attrgetter

from core.deadline import Deadline
from core.errors import (
    BrokerUnreachable,
    DeliveryFailed,
    ForwarderError,
    TopicUnwritable,
    TransientError,
)
from core.kafka_records import KafkaRecord, Records
from core.producer_session import ProduceResult, ProducerSession, SendStats

# Value bytes handed to the producer before waiting for their acknowledgements. The producer
# copies them into its own buffers until they are acknowledged, so the records' share of the
# function's memory is about twice this.
INFLIGHT_BYTES = 4 * 1024 * 1024


@dataclass(slots=True)
class Tally:
    """What Kafka answered for one message's records."""

    records: int
    acknowledged: int = 0
    error: ForwarderError | None = None  # a transient error wins: a retry may deliver it whole

    def add(self, results: Sequence[ProduceResult]) -> None:
        if not any(results):  # all acknowledged: the common case, one C-level scan
            self.acknowledged += len(results)
            return
        for result in results:
            if result is None:
                self.acknowledged += 1
            else:
                self._keep(result)

    def fail(self, error: ForwarderError) -> None:
        """Records of this message not sent at all (the rest would fail the same way)."""
        self._keep(error)

    def _keep(self, error: ForwarderError) -> None:
        if self.error is None or (
            isinstance(error, TransientError) and not isinstance(self.error, TransientError)
        ):
            self.error = error


class Shipment:
    """Builds, slices, sends and tallies one invocation's records, message by message."""

    def __init__(
        self, session: ProducerSession, deadline: Deadline, stats: SendStats, budget: int
    ) -> None:
        self.tallies: list[Tally] = []
        self.produce_seconds = 0.0
        self.bytes_acknowledged = 0  # value bytes (uncompressed) of the acknowledged records
        self._session, self._deadline, self._stats, self._budget = session, deadline, stats, budget
        self._records: list[KafkaRecord] = []
        self._counts: list[tuple[int, int]] = []  # (message, records) of the current slice
        self._room = budget
        self._stopped: ForwarderError | None = None

    def add(self, records: Sequence[KafkaRecord]) -> Tally:
        """Ship the next message's records (none for a message that makes none)."""
        owner, tally = len(self.tallies), Tally(len(records))
        self.tallies.append(tally)
        start = 0
        while start < len(records):
            if self._stopped is not None:
                tally.fail(self._stopped)
                break
            stop = _fit(records, start, self._room)
            if stop == start and self._records:  # the slice is full
                self._send()
                continue
            stop = max(stop, start + 1)  # a record over the budget goes alone
            self._records += _build(records, start, stop)
            self._counts.append((owner, stop - start))
            self._room -= _value_bytes(records, start, stop)
            start = stop
        return tally

    def flush(self) -> None:
        """Send the current slice now and wait for it (FIFO: the end of a wave)."""
        if self._records:
            self._send()

    def finish(self) -> list[Tally]:
        """Send the last slice; one tally per message added."""
        self.flush()
        return self.tallies

    def _send(self) -> None:
        records, counts = self._records, self._counts
        self._records, self._counts, self._room = [], [], self._budget
        if self._stopped is None and self._deadline.wait_left() <= 0:
            self._stopped = DeliveryFailed("the deadline passed before the records were sent")
        if self._stopped is not None:
            for owner, _ in counts:
                self.tallies[owner].fail(self._stopped)
            return
        started = self._deadline.clock()
        results = self._session.send(records, self._deadline, self._stats)
        self.produce_seconds += self._deadline.clock() - started
        at = 0
        for owner, count in counts:
            self.tallies[owner].add(results[at : at + count])
            at += count
        self.bytes_acknowledged += _acknowledged_bytes(records, results)
        self._stopped = _cluster_wide(results)


def _acknowledged_bytes(records: Sequence[KafkaRecord], results: Sequence[ProduceResult]) -> int:
    if not any(results):  # all acknowledged: the common case, C-level maps
        return sum(map(len, map(_value, records)))
    return sum(len(r.value) for r, result in zip(records, results, strict=True) if result is None)


_value = attrgetter("value")


def _cluster_wide(results: Sequence[ProduceResult]) -> ForwarderError | None:
    """An error every later record would meet too: no cluster, or a topic we cannot write."""
    if not any(results):
        return None
    return next((r for r in results if isinstance(r, BrokerUnreachable | TopicUnwritable)), None)


def _build(records: Sequence[KafkaRecord], start: int, stop: int) -> list[KafkaRecord]:
    if isinstance(records, Records):
        return records.build(start, stop)
    return list(records[start:stop])


def _fit(records: Sequence[KafkaRecord], start: int, room: int) -> int:
    """The largest stop such that records `start:stop` hold at most `room` bytes of values."""
    if _value_bytes(records, start, None) <= room:
        return len(records)
    totals = accumulate(_value_sizes(records, start))
    return start + sum(1 for _ in _until_over(totals, room))


def _until_over(totals: Iterator[int], room: int) -> Iterator[int]:
    for total in totals:
        if total > room:
            return
        yield total


def _value_sizes(records: Sequence[KafkaRecord], start: int) -> Iterator[int]:
    if isinstance(records, Records):
        return records.value_sizes(start)
    return (len(record.value) for record in records[start:])


def _value_bytes(records: Sequence[KafkaRecord], start: int, stop: int | None) -> int:
    if isinstance(records, Records):
        return records.value_bytes(start, stop)
    return sum(len(record.value) for record in records[start:stop])
