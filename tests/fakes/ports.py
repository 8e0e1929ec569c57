"""Fakes of the ports in `core.ports`: a producer that answers per record, a secret source that
counts fetches, and a dead-letter sink that remembers what it got."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.credentials import Credentials
from core.deadline import Deadline
from core.errors import ForwarderError, SecretUnavailable
from core.kafka_records import KafkaRecord
from core.outcomes import DeadLetter
from core.ports import DeadLetterSink, RecordProducer, SecretSource

Answer = Callable[[KafkaRecord, Credentials | None], ForwarderError | None]


def ack_all(_record: KafkaRecord, _credentials: Credentials | None) -> ForwarderError | None:
    return None


@dataclass
class FakeProducer:
    credentials: Credentials | None
    answer: Answer = ack_all
    sent: list[KafkaRecord] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    closed: bool = False

    def produce(
        self, records: Sequence[KafkaRecord], deadline: Deadline
    ) -> Sequence[ForwarderError | None]:
        self.waits.append(deadline.wait_left())
        self.sent.extend(records)
        return [self.answer(record, self.credentials) for record in records]

    def close(self, deadline: Deadline | None = None) -> None:
        self.closed = True


@dataclass
class FakeProducers:
    """A producer factory that keeps every producer it built."""

    answer: Answer = ack_all
    built: list[FakeProducer] = field(default_factory=list)

    def __call__(self, credentials: Credentials | None) -> RecordProducer:
        producer = FakeProducer(credentials, self.answer)
        self.built.append(producer)
        return producer


@dataclass
class FakeSecrets:
    """Serves `values` in turn: each refresh (or TTL expiry, simulated by `rotate`) moves on."""

    values: list[Credentials | None]
    fetches: int = 0
    refreshes: int = 0
    _current: int = 0

    def get(self, deadline: Deadline, *, refresh: bool = False) -> Credentials:
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


@dataclass
class FakeDeadLetters:
    fail: bool = False
    letters: list[DeadLetter] = field(default_factory=list)

    def send(self, letters: Sequence[DeadLetter], deadline: Deadline) -> set[str]:
        if self.fail:
            return {letter.message_id for letter in letters}
        self.letters.extend(letters)
        return set()


def _typecheck(
    producer: FakeProducer, secrets: FakeSecrets, sink: FakeDeadLetters
) -> tuple[RecordProducer, SecretSource, DeadLetterSink]:
    """Never called: mypy checks here that the fakes implement the ports."""
    return producer, secrets, sink
