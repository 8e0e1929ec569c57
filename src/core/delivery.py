"""One invocation's delivery: transform every SQS record, produce every Kafka record, wait once,
then decide each record's outcome (delivered, invalid → dead-lettered, or retry).

The producer is built from the secret's credentials once and reused; it is rebuilt when the
broker rejects the credentials (after one refetch of the secret), when the secret's value has
changed, and after a wait that ended with records unacknowledged (a dead connection).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

from core.credentials import Credentials
from core.errors import BrokerUnreachable, CredentialsRejected, ForwarderError, TransientError
from core.kafka_records import KafkaRecord
from core.outcomes import DeadLetter, InvocationReport, MessageOutcome, Outcome, fifo_cut
from core.ports import DeadLetterSink, RecordProducer, SecretSource
from core.sqs_event import SqsMessage
from core.transform import Rejected, Transformed

ProduceResult = ForwarderError | None

# A retry after a credentials refresh is only worth it with this much time left.
_MIN_RETRY_BUDGET_S = 2.0
_LOGIN_SUSPECT = (CredentialsRejected, BrokerUnreachable)


class Transform(Protocol):
    def apply(self, message: SqsMessage) -> Transformed | Rejected: ...


ProducerFactory = Callable[[Credentials | None], RecordProducer]


class Forwarder:
    """Delivers SQS messages to Kafka through the ports; one instance per container."""

    def __init__(
        self,
        transform: Transform,
        producers: ProducerFactory,
        dead_letters: DeadLetterSink,
        secrets: SecretSource | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transform = transform
        self._producers = producers
        self._dead_letters = dead_letters
        self._secrets = secrets
        self._clock = clock
        self._producer: RecordProducer | None = None
        self._credentials: Credentials | None = None

    def forward(
        self, messages: Sequence[SqsMessage], budget_s: float, *, fifo: bool = False
    ) -> InvocationReport:
        """Deliver `messages`, returning within `budget_s` seconds plus the dead-letter send."""
        deadline = self._clock() + budget_s
        transformed = [self._transform.apply(message) for message in messages]
        report = InvocationReport(outcomes=[], fifo=fifo)
        for item in transformed:
            if isinstance(item, Transformed):
                report.dropped.update(item.dropped)
        results = self._produce(transformed, deadline, report)
        report.outcomes = [
            _decide(item, res) for item, res in zip(transformed, results, strict=True)
        ]
        if fifo:
            _retry_after_first_failure(report.outcomes)
        self._dead_letter(messages, report)
        return report

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()
            self._producer = None

    def _produce(
        self,
        transformed: Sequence[Transformed | Rejected],
        deadline: float,
        report: InvocationReport,
    ) -> list[list[ProduceResult]]:
        owners: list[int] = []
        records: list[KafkaRecord] = []
        for index, item in enumerate(transformed):
            if isinstance(item, Transformed):
                owners.extend([index] * len(item.records))
                records.extend(item.records)
        per_message: list[list[ProduceResult]] = [[] for _ in transformed]
        if not records:
            return per_message
        started = self._clock()
        results = self._send(records, deadline, report)
        report.produce_seconds = self._clock() - started
        report.records_produced = sum(1 for r in results if r is None)
        for owner, result in zip(owners, results, strict=True):
            per_message[owner].append(result)
        return per_message

    def _send(
        self, records: Sequence[KafkaRecord], deadline: float, report: InvocationReport
    ) -> list[ProduceResult]:
        try:
            results = self._attempt(records, deadline, report)
        except TransientError as exc:
            return [exc] * len(records)
        rejected = [i for i, r in enumerate(results) if isinstance(r, _LOGIN_SUSPECT)]
        if not rejected or self._secrets is None:
            return results
        # The broker refused the credentials (or a login may have failed at bootstrap): a
        # rotation. Refetch the secret once; with a new value, or after a plain rejection,
        # rebuild the producer and try those records again while there is time.
        used = self._credentials
        self.close()
        report.secret_refreshes += 1
        try:
            fresh = self._secrets.get(refresh=True)
        except TransientError as exc:
            return [exc if isinstance(r, _LOGIN_SUSPECT) else r for r in results]
        plainly_rejected = any(isinstance(r, CredentialsRejected) for r in results)
        if fresh == used and not plainly_rejected:
            return results  # the same secret: a real outage, not a rotation
        if deadline - self._clock() < _MIN_RETRY_BUDGET_S:
            return results
        retried = self._attempt([records[i] for i in rejected], deadline, report)
        for i, result in zip(rejected, retried, strict=True):
            results[i] = result
        return results

    def _attempt(
        self, records: Sequence[KafkaRecord], deadline: float, report: InvocationReport
    ) -> list[ProduceResult]:
        producer = self._current_producer()
        report.ack_waits += 1
        results = list(producer.produce(records, max(0.0, deadline - self._clock())))
        if any(r is not None and not isinstance(r, CredentialsRejected) for r in results):
            # Unacknowledged records may sit on a dead connection: start the next one afresh.
            self.close()
        return results

    def _current_producer(self) -> RecordProducer:
        credentials = self._secrets.get() if self._secrets else None
        if self._producer is not None and credentials != self._credentials:
            self.close()  # the secret changed (rotation): reconnect with the new value
        if self._producer is None:
            self._producer = self._producers(credentials)
            self._credentials = credentials
        return self._producer

    def _dead_letter(self, messages: Sequence[SqsMessage], report: InvocationReport) -> None:
        outcomes = report.outcomes
        letters = [
            DeadLetter(m.message_id, m.body, o.error_class or "", o.reason or "")
            for m, o in zip(messages, outcomes, strict=True)
            if o.outcome is Outcome.INVALID
        ]
        if not letters:
            return
        failed = self._dead_letters.send(letters)
        for index, outcome in enumerate(outcomes):
            if outcome.outcome is Outcome.INVALID and outcome.message_id in failed:
                outcomes[index] = MessageOutcome(
                    outcome.message_id, Outcome.RETRY, 0, "dead_letter_failed", "DeadLetterFailed"
                )


def _decide(item: Transformed | Rejected, results: Sequence[ProduceResult]) -> MessageOutcome:
    if isinstance(item, Rejected):
        return MessageOutcome(item.message_id, Outcome.INVALID, 0, item.reason, item.error_class)
    # A transient error wins: the message may still be delivered whole on a retry.
    error = next((r for r in results if isinstance(r, TransientError)), None) or next(
        (r for r in results if r is not None), None
    )
    if error is not None:
        outcome = Outcome.RETRY if isinstance(error, TransientError) else Outcome.INVALID
        return MessageOutcome(
            item.message_id, outcome, len(results), _reason(error), type(error).__name__
        )
    return MessageOutcome(item.message_id, Outcome.DELIVERED, len(results))


def _retry_after_first_failure(outcomes: list[MessageOutcome]) -> None:
    """FIFO: once a record must be redelivered, so must every later one, to keep the order."""
    for index in range(fifo_cut([o.outcome for o in outcomes]) + 1, len(outcomes)):
        if outcomes[index].outcome is not Outcome.RETRY:
            outcomes[index] = MessageOutcome(
                outcomes[index].message_id, Outcome.RETRY, outcomes[index].records, "fifo_order"
            )


def _reason(error: ForwarderError) -> str:
    return str(getattr(error, "reason", "") or error) or type(error).__name__
