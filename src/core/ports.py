"""The interfaces core needs from the outside world; `adapters` implements them, tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.errors import ForwarderError
from core.records import KafkaRecord


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """SASL credentials and an optional CA from the secret (spec 2.2). Never logged."""

    username: str
    password: str
    ca_pem: str | None = None

    def __repr__(self) -> str:
        return "Credentials(<redacted>)"


class SecretSource(Protocol):
    """Where SASL credentials come from; cached by the implementation."""

    def get(self, *, refresh: bool = False) -> Credentials:
        """Return the credentials; `refresh` bypasses the cache. Raises `SecretUnavailable`."""
        ...


class RecordProducer(Protocol):
    """Sends Kafka records and waits for their acknowledgements."""

    def produce(
        self, records: Sequence[KafkaRecord], timeout_s: float
    ) -> Sequence[ForwarderError | None]:
        """Send every record, wait once (at most `timeout_s`), and return one result per record:
        None when Kafka acknowledged it, else the error: transient (`CredentialsRejected`,
        `DeliveryFailed`) or permanent (`RecordTooLarge` when the broker refuses the size)."""
        ...

    def close(self) -> None:
        """Release connections and threads."""
        ...


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An invalid SQS message on its way to the dead-letter queue."""

    message_id: str
    body: str
    error_class: str
    reason: str


class DeadLetterSink(Protocol):
    """Receives SQS messages that can never be delivered, with their reason."""

    def send(self, letters: Sequence[DeadLetter]) -> set[str]:
        """Send the letters; return the message ids that could NOT be written (retry those)."""
        ...
