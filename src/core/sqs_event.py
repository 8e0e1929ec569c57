"""The Lambda SQS event: its records as `SqsMessage`s, and whether the queue is FIFO."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SqsMessage:
    """The part of an SQS record the forwarder needs."""

    message_id: str
    body: str
    # The X-Ray trace header the message belongs to (its `AWSTraceHeader` attribute, else the
    # invocation's): the records' `traceparent` (core.trace_context).
    trace_header: str | None = None


class NotAnSqsEvent(ValueError):
    """The event is not the shape Lambda's SQS event source mapping sends."""


@dataclass(frozen=True, slots=True)
class SqsEvent:
    messages: tuple[SqsMessage, ...]
    fifo: bool


def parse_sqs_event(event: Any, trace_header: str | None = None) -> SqsEvent:
    """Read `{"Records": [{messageId, body, eventSourceARN, attributes, ...}, ...]}`; other keys
    are ignored. A message's trace header is its `attributes.AWSTraceHeader` when that is a
    string, else `trace_header` (the function's own)."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise NotAnSqsEvent("expected an object with a 'Records' list")
    messages = []
    fifo = False
    for position, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise NotAnSqsEvent(f"Records[{position}] is not an object")
        message_id, body = record.get("messageId"), record.get("body")
        if not isinstance(message_id, str) or not message_id:
            raise NotAnSqsEvent(f"Records[{position}] has no string 'messageId'")
        if not isinstance(body, str):
            raise NotAnSqsEvent(f"Records[{position}] has no string 'body'")
        messages.append(SqsMessage(message_id, body, _trace_header(record) or trace_header))
        fifo = fifo or str(record.get("eventSourceARN", "")).endswith(".fifo")
    return SqsEvent(tuple(messages), fifo)


def _trace_header(record: Mapping[str, Any]) -> str | None:
    attributes = record.get("attributes")
    header = attributes.get("AWSTraceHeader") if isinstance(attributes, Mapping) else None
    return header if isinstance(header, str) and header else None
