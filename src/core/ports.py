"""The interfaces core needs from the outside world; `adapters` implements them, tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.backoff import Postponement
from core.credentials import Credentials
from core.deadline import Deadline
from core.errors import ForwarderError
from core.kafka_records import KafkaRecord
from core.outcomes import DeadLetter


class SecretSource(Protocol):
    """Where SASL credentials come from; cached by the implementation."""

    def get(self, deadline: Deadline, *, refresh: bool = False) -> Credentials:
        """Return the credentials; `refresh` bypasses the cache. A read that may not end before
        `deadline.end` is not started. Raises `SecretUnavailable`."""
        ...

    def close(self) -> None:
        """Release the connections it holds (the container is reset)."""
        ...


class RecordProducer(Protocol):
    """Sends Kafka records and waits for their acknowledgements."""

    def produce(
        self, records: Sequence[KafkaRecord], deadline: Deadline
    ) -> Sequence[ForwarderError | None]:
        """Send every record, wait once (until `deadline.wait_end` at the latest), and return
        one result per record: None when Kafka acknowledged it, else the error: transient
        (`CredentialsRejected`, `DeliveryFailed`, `TopicUnwritable`) or permanent
        (`RecordTooLarge` when the broker refuses the size)."""
        ...

    def close(self, deadline: Deadline | None = None) -> None:
        """Release connections and threads, by `deadline.end` when given (else promptly)."""
        ...


class DeadLetterSink(Protocol):
    """Receives SQS messages that can never be delivered, with their reason."""

    def send(self, letters: Sequence[DeadLetter], deadline: Deadline) -> set[str]:
        """Send the letters; return the message ids that could NOT be written (retry those).
        A send that may not end before `deadline.end` is not started: its letters fail."""
        ...

    def close(self) -> None:
        """Release the connections it holds (the container is reset)."""
        ...


class RetryScheduler(Protocol):
    """Sets how long messages returned for retry stay hidden in their queue (the backoff)."""

    def postpone(
        self, queue_arn: str, postponements: Sequence[Postponement], deadline: Deadline
    ) -> set[str]:
        """Hide each message for its seconds from now (its visibility timeout); return the
        message ids whose timeout could NOT be set (they reappear after the queue's own). A call
        that may not end before `deadline.end` is not started: its messages fail."""
        ...

    def close(self) -> None:
        """Release the connections it holds (the container is reset)."""
        ...
