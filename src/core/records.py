"""What the transform produces: Kafka records, and the result of transforming one SQS record."""

from __future__ import annotations

from dataclasses import dataclass

Header = tuple[str, bytes]


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    """One record to produce: topic, optional key, compact JSON value, headers (spec section 3)."""

    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[Header, ...]


@dataclass(frozen=True, slots=True)
class SqsMessage:
    """The part of an SQS record the forwarder needs."""

    message_id: str
    body: str


@dataclass(frozen=True, slots=True)
class Transformed:
    """An SQS record turned into the Kafka records it must deliver (possibly none)."""

    message_id: str
    records: tuple[KafkaRecord, ...]


@dataclass(frozen=True, slots=True)
class Rejected:
    """An SQS record that can never be delivered: dead-letter it with `error_class` and `reason`."""

    message_id: str
    error_class: str
    reason: str
