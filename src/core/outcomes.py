"""Per-SQS-record outcomes of an invocation and the partial batch response built from them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    DELIVERED = "delivered"  # every Kafka record made from it was acknowledged
    INVALID = "invalid"  # written to the dead-letter queue with its reason
    RETRY = "retry"  # listed in batchItemFailures: SQS redelivers it


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    """What happened to one SQS record; `reason` is a short code, never payload data."""

    message_id: str
    outcome: Outcome
    records: int = 0
    reason: str | None = None
    error_class: str | None = None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An invalid SQS message on its way to the dead-letter queue, with its reason."""

    message_id: str
    body: str
    error_class: str
    reason: str
    group_id: str | None = None  # the source message's MessageGroupId (FIFO), kept on the letter


@dataclass(frozen=True, slots=True)
class InvocationReport:
    """Everything one invocation did, for the response, the summary log line and the metrics.

    Built once, from the final outcomes: the response, the logs and the metrics read the same.
    """

    outcomes: Sequence[MessageOutcome]
    records_produced: int = 0
    bytes_produced: int = 0  # value bytes of the acknowledged records, before any compression
    dropped: Counter[str] = field(default_factory=Counter)  # of delivered messages only
    # Events by `event_type` (core.event_types) in, and removed from, delivered messages only.
    events_forwarded: Counter[str] = field(default_factory=Counter)
    events_dropped: Counter[str] = field(default_factory=Counter)
    produce_seconds: float = 0.0
    ack_waits: int = 0
    secret_refreshes: int = 0
    probes: int = 0  # sends bounded by the breaker (the cluster was unreachable before)
    faults: tuple[str, ...] = ()  # ports that raised: "producer.produce raised ValueError"
    unwritable_topics: Mapping[str, str] = field(default_factory=dict)  # topic -> reason code
    postponed: int = 0  # retried messages whose visibility timeout was set by the backoff

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome is outcome)

    def batch_item_failures(self) -> list[dict[str, str]]:
        """The ids SQS must redeliver (on FIFO queues core.message_groups applied the order)."""
        return [
            {"itemIdentifier": o.message_id} for o in self.outcomes if o.outcome is Outcome.RETRY
        ]

    def response(self) -> dict[str, list[dict[str, str]]]:
        return {"batchItemFailures": self.batch_item_failures()}
