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


class NotAnSqsEvent(ValueError):
    """The event is not the shape Lambda's SQS event source mapping sends."""


@dataclass(frozen=True, slots=True)
class SqsEvent:
    messages: tuple[SqsMessage, ...]
    fifo: bool


def parse_sqs_event(event: Any) -> SqsEvent:
    """Read `{"Records": [{messageId, body, eventSourceARN, ...}, ...]}`; other keys are ignored."""
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
        messages.append(SqsMessage(message_id, body))
        fifo = fifo or str(record.get("eventSourceARN", "")).endswith(".fifo")
    return SqsEvent(tuple(messages), fifo)
