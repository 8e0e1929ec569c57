"""Turn one SQS message into the Kafka records its batch makes, or the reason it never can.

See docs/contract.md#connection-settings, #records and #outcomes.

Built once per container from the settings; `apply` never raises for bad input: it returns
`Rejected` with the error class and reason code instead. Hot path: one orjson parse, the batch
fields serialized once, one orjson dump per event, no model objects of the batch, and per-event
work written as C-level maps and zips rather than Python loops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import TYPE_CHECKING, Any

import orjson

from core.batch import Batch, Event, read_batch, read_batch_exactly, utf8_body
from core.connection import EVENTLESS_BATCH, ConnectionSettings
from core.errors import NOT_JSON, TOO_DEEP, InvalidBatch, PermanentError, RecordTooLarge
from core.event_types import bounded, count_by_type
from core.framing import Frame, split
from core.kafka_records import KafkaRecord, Records, body_digest
from core.number_guard import batch_numbers_kept, per_event_numbers_kept
from core.sqs_event import SqsMessage
from core.trace_context import traceparent

if TYPE_CHECKING:
    from core.settings import Settings

_dumps = orjson.dumps

# records, dropped counts, the kept events' types, whether a number may not be written as it came
Built = tuple[Sequence[KafkaRecord], dict[str, int], list[str], bool]
_NO_RECORDS: tuple[KafkaRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class Transformed:
    """An SQS record turned into the Kafka records it must deliver (possibly none).

    `dropped` counts what the connection settings removed, by reason: the dropped event types
    (`network_performance`, `user_attribute_change`, `user_identity_change`) and
    `eventless_batch` for a batch not sent because no events were left. Only non-zero counts.
    `forwarded` and `dropped_events` count the events the records hold and the events the
    settings removed, by `event_type` (`core.event_types`: unknown types as `other`).
    """

    message_id: str
    records: Sequence[KafkaRecord]  # made on demand (`Records`): iterate or build in ranges
    dropped: Mapping[str, int] = field(default_factory=dict)
    forwarded: Mapping[str, int] = field(default_factory=dict)
    dropped_events: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rejected:
    """An SQS record that can never be delivered: dead-letter it with `error_class` and `reason`."""

    message_id: str
    error_class: str
    reason: str


class BatchTransform:
    """Applies the connection settings and builds the records of one SQS message."""

    def __init__(
        self,
        connection: ConnectionSettings,
        *,
        topic: str,
        max_message_bytes: int,
        trace_header: bool = False,
        routes: Mapping[str, str] | None = None,
    ) -> None:
        """`routes` maps event types to the topics their events go to; others go to `topic`."""
        self._connection = connection
        self._topic = topic
        self._limit = max_message_bytes
        self._trace_header = trace_header
        self._routes = dict(routes or {})

    @classmethod
    def from_settings(cls, settings: Settings) -> BatchTransform:
        return cls(
            ConnectionSettings.from_settings(settings),
            topic=settings.kafka_topic or "",
            max_message_bytes=settings.kafka_max_message_bytes,
            trace_header=settings.kafka_trace_header,
            routes=settings.kafka_topic_routes,
        )

    def apply(self, message: SqsMessage) -> Transformed | Rejected:
        """The records for `message`, or why it can never be delivered."""
        body = utf8_body(message.body)  # once: the dedup ids' digest and the number check read it
        try:
            records, dropped, kept, lossy = self._build(message, body, read_batch(message.body))
            if lossy:  # rare: rebuild from the parser that keeps every literal as written
                exact = read_batch_exactly(message.body)
                records, dropped, kept, _ = self._build(message, body, exact)
        except PermanentError as exc:
            return Rejected(message.message_id, type(exc).__name__, exc.reason)
        # The settings drop events by type alone: every dropped count but the eventless batch's
        # is an event type's.
        dropped_events = {t: n for t, n in dropped.items() if t != EVENTLESS_BATCH}
        forwarded = count_by_type(kept)
        return Transformed(message.message_id, records, dropped, forwarded, bounded(dropped_events))

    def _build(self, message: SqsMessage, body: bytes, batch: Batch) -> Built:
        """`body` is the message body's UTF-8 bytes."""
        events, event_types, dropped = self._connection.shape(batch)
        if not events and not self._connection.send_batches_without_events:
            dropped[EVENTLESS_BATCH] = 1
            return _NO_RECORDS, dropped, event_types, False
        try:
            if events and not self._connection.send_as_batch:
                records, lossy = self._per_event_records(message, body, batch, events, event_types)
            elif events and not self._routes.keys().isdisjoint(event_types):
                records, lossy = self._routed_batch_records(
                    message, body, batch, events, event_types
                )
            else:
                values = self._batch_values(batch.fields, events)
                records = self._records(message, body, batch, values)
                lossy = not batch.exact and not batch_numbers_kept(body, batch, events, values)
        except orjson.JSONEncodeError as exc:
            raise _unwritable(batch, exc) from None
        return records, dropped, event_types, lossy

    def _per_event_records(
        self,
        message: SqsMessage,
        body: bytes,
        batch: Batch,
        events: list[Event],
        event_types: list[str],
    ) -> tuple[Records, bool]:
        """One record per event, made on demand: the event bytes with the batch fields around."""
        frame = Frame(batch.fields)
        bodies = list(map(_dumps, events))
        if max(map(len, bodies)) > self._limit - frame.overhead:
            raise RecordTooLarge
        topics = self._topics_of(event_types) if self._routes else None
        records = self._records(
            message, body, batch, bodies, frame=frame, event_types=event_types, topics=topics
        )
        lossy = not batch.exact and not per_event_numbers_kept(body, batch, events, bodies, frame)
        return records, lossy

    def _routed_batch_records(
        self,
        message: SqsMessage,
        body: bytes,
        batch: Batch,
        events: list[Event],
        event_types: list[str],
    ) -> tuple[Records, bool]:
        """One batch record per destination topic (more if one is over the limit), each with
        the batch fields and that topic's events in their order; topics in order of first use."""
        frame = Frame(batch.fields)
        bodies = list(map(_dumps, events))
        groups: dict[str, list[bytes]] = {}
        for event, topic in zip(bodies, self._topics_of(event_types), strict=True):
            groups.setdefault(topic, []).append(event)
        values: list[bytes] = []
        topics: list[str] = []
        for topic, group in groups.items():
            shares = split(frame, group, self._limit)
            values += shares
            topics += [topic] * len(shares)
        records = self._records(message, body, batch, values, topics=topics)
        # The same check as per event: `bodies` are the kept events, `frame` the batch fields.
        lossy = not batch.exact and not per_event_numbers_kept(body, batch, events, bodies, frame)
        return records, lossy

    def _topics_of(self, event_types: list[str]) -> list[str]:
        return list(map(self._routes.get, event_types, repeat(self._topic)))

    def _records(
        self,
        message: SqsMessage,
        body: bytes,
        batch: Batch,
        parts: list[bytes],
        *,
        frame: Frame | None = None,
        event_types: list[str] | None = None,
        topics: list[str] | None = None,
    ) -> Records:
        return Records(
            parts,
            topic=self._topic,
            key=batch.key,
            batch_id=batch.batch_id,
            dedup_key=body_digest(body),
            head=frame.head if frame else b"",
            tail=frame.tail if frame else b"",
            event_types=event_types,
            traceparent=traceparent(message.trace_header) if self._trace_header else None,
            topics=topics,
        )

    def _batch_values(self, fields: dict[str, Any], events: list[Event]) -> list[bytes]:
        """One value for the batch, split when over the limit; also the eventless batch."""
        value = _dumps(fields)
        if len(value) <= self._limit:
            return [value]
        if not events:
            raise RecordTooLarge
        return split(Frame(fields), list(map(_dumps, events)), self._limit)


def _unwritable(batch: Batch, error: orjson.JSONEncodeError) -> InvalidBatch:
    """orjson writes at most 254 levels of nesting; the exact parser may also hold a string with
    an unpaired surrogate, which is not valid UTF-8 JSON (RFC 8259 section 8.2). orjson's message
    tells which (a body read exactly, e.g. for a number like 1e400, may also be too deep)."""
    message = str(error)
    if "Recursion limit" in message:
        return InvalidBatch(TOO_DEEP)
    if "surrogates" in message:
        return InvalidBatch(NOT_JSON)
    return InvalidBatch(NOT_JSON if batch.exact else TOO_DEEP)
