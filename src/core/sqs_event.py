"""The Lambda SQS event: its records as `SqsMessage`s, the queue's ARN and whether it is FIFO."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SqsMessage:
    """The part of an SQS record the forwarder needs.

    `receipt_handle` and `receive_count` (SQS's ApproximateReceiveCount) set a retried message's
    backoff; a record without them (a hand-made event) gets "" and 1. `group_id` is the FIFO
    queue's `MessageGroupId` (None on a standard queue): the unit of order (core.message_groups)
    and the group its dead letter is sent in.
    """

    message_id: str
    body: str
    # The X-Ray trace header the message belongs to (its `AWSTraceHeader` attribute, else the
    # invocation's): the records' `traceparent` (core.trace_context).
    trace_header: str | None = None
    receipt_handle: str = ""
    receive_count: int = 1
    group_id: str | None = None


class NotAnSqsEvent(ValueError):
    """The event is not the shape Lambda's SQS event source mapping sends."""


@dataclass(frozen=True, slots=True)
class SqsEvent:
    messages: tuple[SqsMessage, ...]
    fifo: bool
    source_arn: str | None = None  # the queue's ARN (eventSourceARN of the first record)


def parse_sqs_event(event: Any, trace_header: str | None = None) -> SqsEvent:
    """Read `{"Records": [{messageId, body, eventSourceARN, attributes, ...}, ...]}`; other keys
    are ignored. A message's trace header is its `attributes.AWSTraceHeader` when that is a
    string, else `trace_header` (the function's own); its group, `attributes.MessageGroupId`."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise NotAnSqsEvent("expected an object with a 'Records' list")
    messages = []
    fifo = False
    source_arn: str | None = None
    for position, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise NotAnSqsEvent(f"Records[{position}] is not an object")
        message_id, body = record.get("messageId"), record.get("body")
        if not isinstance(message_id, str) or not message_id:
            raise NotAnSqsEvent(f"Records[{position}] has no string 'messageId'")
        if not isinstance(body, str):
            raise NotAnSqsEvent(f"Records[{position}] has no string 'body'")
        handle, receives = _receipt(record)
        messages.append(
            SqsMessage(
                message_id,
                body,
                trace_header=_trace_header(record) or trace_header,
                receipt_handle=handle,
                receive_count=receives,
                group_id=_attribute(record, "MessageGroupId"),
            )
        )
        arn = record.get("eventSourceARN")
        if isinstance(arn, str) and arn:
            source_arn = source_arn or arn
            fifo = fifo or arn.endswith(".fifo")
    return SqsEvent(tuple(messages), fifo, source_arn)


def _trace_header(record: Mapping[str, Any]) -> str | None:
    return _attribute(record, "AWSTraceHeader")


def _attribute(record: Mapping[str, Any], name: str) -> str | None:
    """The system attribute `name` when it is a non-empty string, else None."""
    attributes = record.get("attributes")
    value = attributes.get(name) if isinstance(attributes, Mapping) else None
    return value if isinstance(value, str) and value else None


def _receipt(record: Mapping[str, Any]) -> tuple[str, int]:
    """The receipt handle and receive count; "" and 1 where missing or malformed."""
    handle = record.get("receiptHandle")
    attributes = record.get("attributes")
    count = attributes.get("ApproximateReceiveCount") if isinstance(attributes, Mapping) else None
    try:
        receives = int(count) if isinstance(count, str | int) else 1
    except ValueError:
        receives = 1
    return (handle if isinstance(handle, str) else ""), max(receives, 1)
