"""Fakes of the ports in `core.ports`: a producer that answers per record, a secret source that
counts fetches, a dead-letter sink and a retry scheduler that remember what they got, a scripted
transform, and a fault plan that makes any of them raise any exception at a chosen call."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.backoff import Postponement
from core.credentials import Credentials
from core.deadline import Deadline
from core.errors import ForwarderError, SecretUnavailable
from core.kafka_records import KafkaRecord, Records
from core.outcomes import DeadLetter
from core.ports import DeadLetterSink, RecordProducer, RetryScheduler, SecretSource
from core.sqs_event import SqsMessage
from core.transform import Rejected, Transformed

Answer = Callable[[KafkaRecord, Credentials | None], ForwarderError | None]

ALICE = Credentials("alice", "old-password")
ALICE_ROTATED = Credentials("alice", "new-password")


def ack_all(_record: KafkaRecord, _credentials: Credentials | None) -> ForwarderError | None:
    return None


@dataclass
class Faults:
    """Which call of which port raises what: `plan[port] = (n, exception class)` raises on the
    n-th call (from 0) of `port`, one of "factory", "produce", "close", "secret", "dead_letters",
    "transform", "postpone"."""

    plan: dict[str, tuple[int, type[Exception]]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)

    def strike(self, port: str) -> None:
        call = self.calls[port]
        self.calls[port] += 1
        planned = self.plan.get(port)
        if planned is not None and planned[0] == call:
            raise planned[1](f"{port} failed (injected)")


@dataclass
class FakeProducer:
    credentials: Credentials | None
    answer: Answer = ack_all
    faults: Faults = field(default_factory=Faults)
    sent: list[KafkaRecord] = field(default_factory=list)
    calls: list[list[KafkaRecord]] = field(default_factory=list)  # the records of each produce
    acknowledged: list[KafkaRecord] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    closed: bool = False
    closed_with: list[Deadline | None] = field(default_factory=list)

    def produce(
        self, records: Sequence[KafkaRecord], deadline: Deadline
    ) -> Sequence[ForwarderError | None]:
        self.faults.strike("produce")
        self.waits.append(deadline.wait_left())
        self.sent.extend(records)
        self.calls.append(list(records))
        results = [self.answer(record, self.credentials) for record in records]
        self.acknowledged.extend(r for r, res in zip(records, results, strict=True) if res is None)
        return results

    def close(self, deadline: Deadline | None = None) -> None:
        self.closed = True
        self.closed_with.append(deadline)
        self.faults.strike("close")


@dataclass
class FakeProducers:
    """A producer factory that keeps every producer it built."""

    answer: Answer = ack_all
    faults: Faults = field(default_factory=Faults)
    built: list[FakeProducer] = field(default_factory=list)

    def __call__(self, credentials: Credentials | None) -> RecordProducer:
        self.faults.strike("factory")
        producer = FakeProducer(credentials, self.answer, self.faults)
        self.built.append(producer)
        return producer

    @property
    def acknowledged(self) -> list[KafkaRecord]:
        """Every record any producer reported acknowledged."""
        return [record for producer in self.built for record in producer.acknowledged]


@dataclass
class FakeSecrets:
    """Serves `values` in turn: each refresh (or TTL expiry, simulated by `rotate`) moves on."""

    values: list[Credentials | None]
    faults: Faults = field(default_factory=Faults)
    fetches: int = 0
    refreshes: int = 0
    deadlines: list[Deadline] = field(default_factory=list)
    closed: bool = False
    _current: int = 0

    def get(self, deadline: Deadline, *, refresh: bool = False) -> Credentials:
        self.deadlines.append(deadline)
        self.faults.strike("secret")
        self.fetches += 1
        if refresh:
            self.refreshes += 1
            self._current = min(self._current + 1, len(self.values) - 1)
        value = self.values[self._current]
        if value is None:
            raise SecretUnavailable("secret unreadable")
        return value

    def rotate(self) -> None:
        self._current = min(self._current + 1, len(self.values) - 1)

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeDeadLetters:
    fail: bool = False
    faults: Faults = field(default_factory=Faults)
    letters: list[DeadLetter] = field(default_factory=list)
    closed: bool = False
    deadlines: list[Deadline] = field(default_factory=list)  # the deadline of each send

    def close(self) -> None:
        self.closed = True

    def send(self, letters: Sequence[DeadLetter], deadline: Deadline) -> set[str]:
        self.deadlines.append(deadline)
        self.faults.strike("dead_letters")
        if self.fail:
            return {letter.message_id for letter in letters}
        self.letters.extend(letters)
        return set()


@dataclass
class FakeRetries:
    """Remembers every postponement per queue ARN; refuses the message ids in `refuse`."""

    refuse: set[str] = field(default_factory=set)
    faults: Faults = field(default_factory=Faults)
    postponed: list[tuple[str, Postponement]] = field(default_factory=list)
    closed: bool = False
    deadlines: list[Deadline] = field(default_factory=list)  # the deadline of each call

    def close(self) -> None:
        self.closed = True

    def postpone(
        self, queue_arn: str, postponements: Sequence[Postponement], deadline: Deadline
    ) -> set[str]:
        self.deadlines.append(deadline)
        self.faults.strike("postpone")
        self.postponed.extend((queue_arn, p) for p in postponements)
        return {p.message_id for p in postponements if p.message_id in self.refuse}


@dataclass
class ScriptedTransform:
    """Body `records:N` gives N records of value `<message id>/<n>`, each one `custom_event`;
    `invalid` is rejected; `drop` gives none (an eventless batch dropped by the settings)."""

    faults: Faults = field(default_factory=Faults)

    def apply(self, message: SqsMessage) -> Transformed | Rejected:
        self.faults.strike("transform")
        if message.body == "invalid":
            return Rejected(message.message_id, "InvalidBatch", "invalid_json")
        count = int(message.body.split(":")[1]) if message.body.startswith("records:") else 0
        values = [f"{message.message_id}/{n}".encode() for n in range(count)]
        records = Records(values, topic="t", key=None, batch_id=None, dedup_key="d")
        dropped = {"eventless_batch": 1} if message.body == "drop" else {}
        forwarded = {"custom_event": count} if count else {}
        return Transformed(message.message_id, records, dropped, forwarded)


def _typecheck(
    producer: FakeProducer, secrets: FakeSecrets, sink: FakeDeadLetters, retries: FakeRetries
) -> tuple[RecordProducer, SecretSource, DeadLetterSink, RetryScheduler]:
    """Never called: mypy checks here that the fakes implement the ports."""
    return producer, secrets, sink, retries
