"""One invocation's delivery, as a pipeline whose steps each own one rule.

transform every message → the producer session sends the records, in slices under a byte
budget → a pure decision per message → the FIFO rule → dead-lettering → one report.

Memory stays bounded whatever a message expands into: records are made on demand (`Records`),
at most `inflight_bytes` of values are handed to the producer before their acknowledgements
are awaited, and nothing keeps a record after its slice. See docs/contract.md#outcomes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Protocol

from core.deadline import Deadline
from core.errors import (
    BrokerUnreachable,
    DeadLetterFailed,
    DeliveryFailed,
    ForwarderError,
    PermanentError,
    TopicUnwritable,
    TransientError,
)
from core.kafka_records import KafkaRecord, Records
from core.outcomes import DeadLetter, InvocationReport, MessageOutcome, Outcome, in_fifo_order
from core.ports import DeadLetterSink, SecretSource
from core.producer_session import ProduceResult, ProducerFactory, ProducerSession, SendStats
from core.sqs_event import SqsMessage
from core.transform import Rejected, Transformed

# Value bytes handed to the producer before waiting for their acknowledgements. An invocation's
# records usually fit in one slice (one wait); a message that expands into hundreds of MB is
# sent slice by slice, so the function's memory never holds more than about this much of them.
INFLIGHT_BYTES = 16 * 1024 * 1024

__all__ = ["INFLIGHT_BYTES", "Forwarder", "ProducerFactory"]


class Transform(Protocol):
    def apply(self, message: SqsMessage) -> Transformed | Rejected: ...


@dataclass(frozen=True, slots=True)
class Unprocessed:
    """A message the transform failed on (a bug, not bad input): retried, and reported."""

    message_id: str
    error: TransientError


Verdict = Transformed | Rejected | Unprocessed


@dataclass(slots=True)
class Tally:
    """What Kafka answered for one message's records."""

    records: int
    acknowledged: int = 0
    error: ForwarderError | None = None  # a transient error wins: a retry may deliver it whole

    def add(self, results: Sequence[ProduceResult]) -> None:
        if not any(results):
            self.acknowledged += len(results)
            return
        for result in results:
            if result is None:
                self.acknowledged += 1
            elif self.error is None or (
                isinstance(result, TransientError) and not isinstance(self.error, TransientError)
            ):
                self.error = result


@dataclass(frozen=True, slots=True)
class Span:
    """Records `start:stop` of message `owner`, part of one slice."""

    owner: int
    records: Sequence[KafkaRecord]
    start: int
    stop: int

    def build(self) -> list[KafkaRecord]:
        if isinstance(self.records, Records):
            return self.records.build(self.start, self.stop)
        return list(self.records[self.start : self.stop])


class Forwarder:
    """Delivers SQS messages to Kafka through the ports; one instance per container."""

    def __init__(
        self,
        transform: Transform,
        producers: ProducerFactory,
        dead_letters: DeadLetterSink,
        secrets: SecretSource | None = None,
        *,
        inflight_bytes: int = INFLIGHT_BYTES,
    ) -> None:
        self._transform = transform
        self._session = ProducerSession(producers, secrets)
        self._dead_letters = dead_letters
        self._inflight_bytes = inflight_bytes

    def forward(
        self, messages: Sequence[SqsMessage], deadline: Deadline, *, fifo: bool = False
    ) -> InvocationReport:
        """Deliver `messages` within `deadline`; one outcome per message, whatever happens."""
        stats = SendStats()
        verdicts = [self._verdict(message, stats) for message in messages]
        started = deadline.clock()
        tallies = self._produce(verdicts, deadline, stats)
        produce_seconds = deadline.clock() - started if stats.ack_waits else 0.0
        decided = [
            _decide(verdict, tally) for verdict, tally in zip(verdicts, tallies, strict=True)
        ]
        ordered = in_fifo_order(decided) if fifo else decided
        final = self._dead_letter(messages, ordered, deadline, stats)
        if fifo:
            final = in_fifo_order(final)  # a failed dead letter is a retry: later ones wait too
        return InvocationReport(
            outcomes=final,
            records_produced=sum(tally.acknowledged for tally in tallies),
            dropped=_dropped(verdicts, final),
            produce_seconds=produce_seconds,
            ack_waits=stats.ack_waits,
            secret_refreshes=stats.secret_refreshes,
            faults=tuple(stats.faults),
            unwritable_topics=_unwritable_topics(tallies),
        )

    def close(self) -> None:
        self._session.close()

    # --- the steps --------------------------------------------------------------------------

    def _verdict(self, message: SqsMessage, stats: SendStats) -> Verdict:
        try:
            return self._transform.apply(message)
        except Exception as exc:  # a bug in the transform must not fail the other messages
            stats.faults.append(f"transform raised {type(exc).__name__}")
            error = DeliveryFailed(f"the transform raised {type(exc).__name__}")
            return Unprocessed(message.message_id, error)

    def _produce(
        self, verdicts: Sequence[Verdict], deadline: Deadline, stats: SendStats
    ) -> list[Tally]:
        tallies = [Tally(len(v.records) if isinstance(v, Transformed) else 0) for v in verdicts]
        stopped: ForwarderError | None = None
        for spans in self._slices(verdicts):
            if stopped is None and deadline.wait_left() <= 0:
                stopped = DeliveryFailed("the deadline passed before the records were sent")
            if stopped is not None:  # the rest would fail the same way: not sent
                for span in spans:
                    tallies[span.owner].add([stopped] * (span.stop - span.start))
                continue
            records = [record for span in spans for record in span.build()]
            results = self._session.send(records, deadline, stats)
            _tally(spans, results, tallies)
            stopped = _cluster_wide(results)
        return tallies

    def _slices(self, verdicts: Sequence[Verdict]) -> Iterator[list[Span]]:
        """The invocation's records in slices of at most `inflight_bytes` of values (a record
        larger than that alone), in message order."""
        spans: list[Span] = []
        room = self._inflight_bytes
        for owner, verdict in enumerate(verdicts):
            if not isinstance(verdict, Transformed):
                continue
            records, start = verdict.records, 0
            while start < len(records):
                stop = _fit(records, start, room)
                if stop == start and spans:  # the slice is full
                    yield spans
                    spans, room = [], self._inflight_bytes
                    continue
                stop = max(stop, start + 1)  # one record over the budget goes alone
                spans.append(Span(owner, records, start, stop))
                room -= _value_bytes(records, start, stop)
                start = stop
        if spans:
            yield spans

    def _dead_letter(
        self,
        messages: Sequence[SqsMessage],
        outcomes: list[MessageOutcome],
        deadline: Deadline,
        stats: SendStats,
    ) -> list[MessageOutcome]:
        letters = [
            DeadLetter(m.message_id, m.body, o.error_class or "", o.reason or "")
            for m, o in zip(messages, outcomes, strict=True)
            if o.outcome is Outcome.INVALID
        ]
        if not letters:
            return outcomes
        try:
            failed = self._dead_letters.send(letters, deadline)
        except Exception as exc:  # a broken sink is a retry (and a reported fault)
            stats.faults.append(f"dead-letter sink raised {type(exc).__name__}")
            failed = {letter.message_id for letter in letters}
        return [
            _retried(o, DeadLetterFailed("dead_letter_failed"))
            if o.outcome is Outcome.INVALID and o.message_id in failed
            else o
            for o in outcomes
        ]


# --- pure rules ------------------------------------------------------------------------------


def _decide(verdict: Verdict, tally: Tally) -> MessageOutcome:
    """The outcome of one message from its verdict and what Kafka answered for its records."""
    if isinstance(verdict, Rejected):
        return MessageOutcome(
            verdict.message_id, Outcome.INVALID, 0, verdict.reason, verdict.error_class
        )
    if isinstance(verdict, Unprocessed):
        return _retried(MessageOutcome(verdict.message_id, Outcome.RETRY), verdict.error)
    error = tally.error
    if error is None and tally.acknowledged < tally.records:
        error = DeliveryFailed("not every record was acknowledged")
    if error is None:
        return MessageOutcome(verdict.message_id, Outcome.DELIVERED, tally.records)
    outcome = Outcome.INVALID if isinstance(error, PermanentError) else Outcome.RETRY
    return MessageOutcome(
        verdict.message_id, outcome, tally.records, _reason(error), type(error).__name__
    )


def _retried(outcome: MessageOutcome, error: TransientError) -> MessageOutcome:
    return MessageOutcome(
        outcome.message_id, Outcome.RETRY, outcome.records, _reason(error), type(error).__name__
    )


def _reason(error: ForwarderError) -> str:
    return str(getattr(error, "reason", "") or error) or type(error).__name__


def _tally(spans: Sequence[Span], results: Sequence[ProduceResult], tallies: list[Tally]) -> None:
    at = 0
    for span in spans:
        count = span.stop - span.start
        tallies[span.owner].add(results[at : at + count])
        at += count


def _cluster_wide(results: Sequence[ProduceResult]) -> ForwarderError | None:
    """An error that every later record would meet too: no cluster, or an unwritable topic."""
    if not any(results):
        return None
    return next((r for r in results if isinstance(r, BrokerUnreachable | TopicUnwritable)), None)


def _fit(records: Sequence[KafkaRecord], start: int, room: int) -> int:
    """The largest stop such that records `start:stop` hold at most `room` bytes of values."""
    if _value_bytes(records, start, None) <= room:
        return len(records)
    sizes = accumulate(_value_sizes(records, start))
    return start + sum(1 for _ in _while_at_most(sizes, room))


def _while_at_most(totals: Iterator[int], room: int) -> Iterator[int]:
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


def _dropped(verdicts: Sequence[Verdict], final: Sequence[MessageOutcome]) -> Counter[str]:
    """What the settings dropped, counted for delivered messages only: a retried message will
    be counted when it is delivered."""
    dropped: Counter[str] = Counter()
    for verdict, outcome in zip(verdicts, final, strict=True):
        if isinstance(verdict, Transformed) and outcome.outcome is Outcome.DELIVERED:
            dropped.update(verdict.dropped)
    return dropped


def _unwritable_topics(tallies: Sequence[Tally]) -> dict[str, str]:
    """Topic → reason code, for the topics the cluster would not let us write."""
    return {t.error.topic: t.error.reason for t in tallies if isinstance(t.error, TopicUnwritable)}
