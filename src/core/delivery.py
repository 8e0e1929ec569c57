"""One invocation's delivery, as a pipeline whose steps each own one rule.

transform each message → ship its records (`core.shipment`: built and sent in slices through
the producer session) → a pure decision per message → dead-lettering → the backoff of the
retried ones → one report, built once from the final outcomes. A FIFO batch runs the first three
steps wave by wave (`core.message_groups`, the order rule). See docs/contract.md#outcomes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.backoff import Backoff, Postponement
from core.deadline import Deadline
from core.errors import (
    DeadLetterFailed,
    DeliveryFailed,
    ForwarderError,
    PermanentError,
    TopicUnwritable,
    TransientError,
)
from core.message_groups import GroupOrder, held
from core.outcomes import DeadLetter, InvocationReport, MessageOutcome, Outcome
from core.ports import DeadLetterSink, RetryScheduler, SecretSource
from core.producer_session import Breaker, ProducerFactory, ProducerSession, SendStats
from core.shipment import INFLIGHT_BYTES, Shipment, Tally
from core.sqs_event import SqsMessage
from core.transform import Rejected, Transformed

__all__ = ["Forwarder", "ProducerFactory"]


class Transform(Protocol):
    def apply(self, message: SqsMessage) -> Transformed | Rejected: ...


@dataclass(frozen=True, slots=True)
class Unprocessed:
    """A message the transform failed on (a bug, not bad input): retried, and reported."""

    message_id: str
    error: TransientError


@dataclass(frozen=True, slots=True)
class Shipped:
    """A message whose records were handed to the shipment (kept without them)."""

    message_id: str
    dropped: Mapping[str, int]
    forwarded: Mapping[str, int]  # events by type (`Transformed.forwarded`)
    dropped_events: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Unsent:
    """A FIFO message held back behind a retried one of its group: never transformed."""

    message_id: str


Verdict = Shipped | Rejected | Unprocessed | Unsent


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
        retries: RetryScheduler | None = None,
        backoff: Backoff | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        """Without `retries` and `backoff`, retried messages keep the queue's visibility timeout;
        `breaker` defaults to one with the standard probe (`PROBE_WAIT_S`)."""
        self._transform = transform
        self._session = ProducerSession(producers, secrets, breaker)
        self._dead_letters = dead_letters
        self._inflight_bytes = inflight_bytes
        self._retries, self._backoff = retries, backoff

    def forward(
        self,
        messages: Sequence[SqsMessage],
        deadline: Deadline,
        *,
        fifo: bool = False,
        source_arn: str | None = None,
    ) -> InvocationReport:
        """Deliver `messages` within `deadline`; one outcome per message, whatever happens.
        A FIFO batch goes in waves, in order per message group (core.message_groups); any other
        with one wait. Retried messages of the queue `source_arn` get their backoff before the
        report."""
        stats = SendStats()
        shipment = Shipment(self._session, deadline, stats, self._inflight_bytes)
        if fifo:
            verdicts, tallies, final = self._in_waves(messages, shipment, deadline, stats)
        else:
            verdicts = [self._ship(message, shipment, stats) for message in messages]
            tallies = shipment.finish()
            decided = [_decide(v, t) for v, t in zip(verdicts, tallies, strict=True)]
            final = self._dead_letter(messages, decided, deadline, stats)
        postponed = self._postpone(messages, final, source_arn, deadline, stats)
        dropped, forwarded, dropped_events = _delivered_sums(verdicts, final)
        return InvocationReport(
            outcomes=final,
            records_produced=sum(tally.acknowledged for tally in tallies),
            bytes_produced=shipment.bytes_acknowledged,
            dropped=dropped,
            events_forwarded=forwarded,
            events_dropped=dropped_events,
            produce_seconds=shipment.produce_seconds,
            ack_waits=stats.ack_waits,
            secret_refreshes=stats.secret_refreshes,
            probes=stats.probes,
            faults=tuple(stats.faults),
            unwritable_topics=_unwritable_topics(tallies),
            postponed=postponed,
        )

    def _in_waves(
        self,
        messages: Sequence[SqsMessage],
        shipment: Shipment,
        deadline: Deadline,
        stats: SendStats,
    ) -> tuple[list[Verdict], list[Tally], list[MessageOutcome]]:
        """FIFO: each wave is shipped, acknowledged and dead-lettered before the next starts, so
        a group goes on only past messages that are in Kafka or in the invalid-message queue."""
        order = GroupOrder(messages)
        verdicts: list[Verdict] = [Unsent(m.message_id) for m in messages]
        tallies = [Tally(0) for _ in messages]
        final = [held(m) for m in messages]
        for go in order.waves():
            for i in go:
                verdicts[i] = self._ship(messages[i], shipment, stats)
                tallies[i] = shipment.tallies[-1]
            shipment.flush()
            decided = [_decide(verdicts[i], tallies[i]) for i in go]
            settled = self._dead_letter([messages[i] for i in go], decided, deadline, stats)
            for i, outcome in zip(go, settled, strict=True):
                final[i] = outcome
                order.settle(i, outcome)
        return verdicts, tallies, final

    def close(self) -> None:
        """Release every connection the forwarder holds: the producer's, the secret source's,
        the dead-letter queue's and the retry scheduler's (the container is reset)."""
        self._session.release()
        self._dead_letters.close()
        if self._retries is not None:
            self._retries.close()

    # --- the steps --------------------------------------------------------------------------

    def _ship(self, message: SqsMessage, shipment: Shipment, stats: SendStats) -> Verdict:
        """Transform `message` and ship its records; the verdict kept is without its records."""
        verdict: Transformed | Rejected | Unprocessed
        try:
            verdict = self._transform.apply(message)
        except Exception as exc:  # a bug in the transform must not fail the other messages
            stats.faults.append(f"transform raised {type(exc).__name__}")
            verdict = Unprocessed(message.message_id, DeliveryFailed("the transform failed"))
        if isinstance(verdict, Transformed):
            shipment.add(verdict.records)
            return Shipped(
                verdict.message_id, verdict.dropped, verdict.forwarded, verdict.dropped_events
            )
        shipment.add(())
        return verdict

    def _dead_letter(
        self,
        messages: Sequence[SqsMessage],
        outcomes: list[MessageOutcome],
        deadline: Deadline,
        stats: SendStats,
    ) -> list[MessageOutcome]:
        letters = [
            DeadLetter(m.message_id, m.body, o.error_class or "", o.reason or "", m.group_id)
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

    def _postpone(
        self,
        messages: Sequence[SqsMessage],
        outcomes: Sequence[MessageOutcome],
        source_arn: str | None,
        deadline: Deadline,
        stats: SendStats,
    ) -> int:
        """Set each retried message's visibility timeout from its receive count; returns how
        many were set. A message without a receipt handle, or an event without a queue ARN
        (hand-made events), keeps the queue's timeout; so does one the scheduler could not
        change (a reported fault, never an escape: the message is retried either way)."""
        if self._retries is None or self._backoff is None or not source_arn:
            return 0
        backoff = self._backoff
        wanted = [
            Postponement(m.message_id, m.receipt_handle, backoff.delay(m.receive_count))
            for m, o in zip(messages, outcomes, strict=True)
            if o.outcome is Outcome.RETRY and m.receipt_handle
        ]
        if not wanted:
            return 0
        try:
            failed = self._retries.postpone(source_arn, wanted, deadline)
        except Exception as exc:  # a broken scheduler must not fail the response
            stats.faults.append(f"retry scheduler raised {type(exc).__name__}")
            return 0
        if failed:
            stats.faults.append(f"retry scheduler could not postpone {len(failed)} message(s)")
        return sum(1 for p in wanted if p.message_id not in failed)


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


def _delivered_sums(
    verdicts: Sequence[Verdict], final: Sequence[MessageOutcome]
) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """The `Shipped` counts (dropped, forwarded, dropped_events), summed over delivered messages
    only, in one pass: a retried message is counted when it is delivered."""
    sums: tuple[Counter[str], Counter[str], Counter[str]] = (Counter(), Counter(), Counter())
    dropped, forwarded, dropped_events = sums
    for verdict, outcome in zip(verdicts, final, strict=True):
        if outcome.outcome is Outcome.DELIVERED and isinstance(verdict, Shipped):
            _add(dropped, verdict.dropped)
            _add(forwarded, verdict.forwarded)
            _add(dropped_events, verdict.dropped_events)
    return sums


def _add(total: Counter[str], counts: Mapping[str, int]) -> None:
    """`total.update(counts)` without Counter.update's per-call checks."""
    for key, count in counts.items():
        total[key] = total[key] + count


def _unwritable_topics(tallies: Sequence[Tally]) -> dict[str, str]:
    """Topic → reason code, for the topics the cluster would not let us write."""
    return {t.error.topic: t.error.reason for t in tallies if isinstance(t.error, TopicUnwritable)}
