"""Read one SQS body as an mParticle batch, rejecting exactly the inputs the contract lists
(docs/contract.md#reason-codes).

Only what the forwarder relies on is checked: the body is a JSON object, `events` is a list (or
null/absent) of objects that each carry a string `event_type`, and `mpid`, when present, is an
integer or a decimal string. Everything else passes through untouched, keys in their order.
A body may start with one UTF-8 byte order mark (U+FEFF), which is not part of the JSON text
(RFC 8259 section 8.1): it is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import orjson

from core.errors import (
    EVENT_NOT_OBJECT,
    EVENT_TYPE_NOT_STRING,
    EVENTS_NOT_LIST,
    MPID_NOT_INTEGER,
    NOT_OBJECT,
    InvalidBatch,
)
from core.exact_json import ExactDocument

_DECIMAL = re.compile(r"-?[0-9]+")
_BOM = "\ufeff"
_BOM_UTF8 = _BOM.encode()
# Endless repeats never change state, so one of each serves every call (repeat() is costly).
_EVENT_TYPE_KEYS = repeat("event_type")
_STR_TYPES = repeat(str)

Event = dict[str, Any]


@dataclass(slots=True)
class Batch:
    """A validated batch: its fields (mutable, in their original order) and what records need."""

    fields: dict[str, Any]
    events: list[Event] | None  # None when `events` is absent or null
    event_types: list[str]  # the `event_type` of each event, in order
    key: bytes | None  # the Kafka key: `mpid` as a decimal string
    batch_id: bytes | None  # the `x-mp-batch-id` header: an integer `batch_id`'s literal
    exact: bool  # read by the exact parser (numbers orjson cannot hold)


def json_text(body: str) -> str:
    """The JSON text of an SQS body: the body without one leading byte order mark."""
    return body[1:] if body.startswith(_BOM) else body


def utf8_body(body: str) -> bytes:
    """An SQS body's UTF-8 bytes, made once per message for the digest and the number check.

    surrogatepass: SQS cannot hold a lone surrogate, but a hand-made event can; never raise.
    """
    return body.encode("utf-8", "surrogatepass")


def json_bytes(body: bytes) -> bytes:
    """The JSON text of an SQS body's UTF-8 bytes: without one leading byte order mark."""
    return body[len(_BOM_UTF8) :] if body.startswith(_BOM_UTF8) else body


def read_batch(body: str) -> Batch:
    """Parse and validate `body` with orjson; raises `InvalidBatch` with a reason code."""
    try:
        return _validate(orjson.loads(json_text(body)), None)
    except (orjson.JSONDecodeError, _MayBeRounded):
        # Not JSON, or JSON with numbers orjson cannot hold: the exact parser decides.
        return read_batch_exactly(body)


def read_batch_exactly(body: str) -> Batch:
    """Parse and validate `body` keeping every number's digits (the slow path)."""
    document = ExactDocument(json_text(body))
    return _validate(document.value, document)


def _validate(value: Any, document: ExactDocument | None) -> Batch:
    if not isinstance(value, dict):
        raise InvalidBatch(NOT_OBJECT)
    events = value.get("events")
    if events is not None and not isinstance(events, list):
        raise InvalidBatch(EVENTS_NOT_LIST)
    event_types = _event_types(events) if events else []
    mpid = value.get("mpid")
    key = None if mpid is None else _decimal(mpid, document)
    if mpid is not None and key is None:
        raise InvalidBatch(MPID_NOT_INTEGER)
    batch_id = value.get("batch_id")
    batch_header = None if batch_id is None else _literal(batch_id, document)
    return Batch(value, events, event_types, key, batch_header, document is not None)


def _event_types(events: list[Any]) -> list[str]:
    """Each event's `event_type`, checked. Written as C-level maps rather than a Python loop:
    this runs for every event of every batch."""
    try:
        # dict.get refuses anything that is not a dict with a TypeError.
        event_types: list[Any] = list(map(dict.get, events, _EVENT_TYPE_KEYS))
    except TypeError:
        raise InvalidBatch(EVENT_NOT_OBJECT) from None
    if not all(map(isinstance, event_types, _STR_TYPES)):
        raise InvalidBatch(EVENT_TYPE_NOT_STRING)
    return event_types


class _MayBeRounded(Exception):
    """`mpid` or `batch_id` is a float, maybe an integer beyond 64 bits that orjson rounded."""


def _decimal(value: Any, document: ExactDocument | None) -> bytes | None:
    """`value` as a canonical decimal string if it is an integer or a decimal string, else None.

    Canonical (no leading zeros, no `-0`) so that `7`, `"7"` and `"007"` give the same key and
    land in the same partition; the value itself is forwarded as it came.
    """
    if type(value) is int:  # the common case, already canonical
        return b"%d" % value
    literal = _literal(value, document)
    return None if literal is None else _canonical(literal)


def _literal(value: Any, document: ExactDocument | None) -> bytes | None:
    """`value` as it was written if it is an integer or a decimal string, else None: a header
    copies the literal (`"007"` stays `007`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, str):
        return value.encode() if _DECIMAL.fullmatch(value) else None
    if document is None:
        if isinstance(value, float):
            raise _MayBeRounded
        return None
    literal = document.integer_literal(value)
    return None if literal is None else literal.encode()


def _canonical(literal: bytes) -> bytes:
    digits = literal.removeprefix(b"-").lstrip(b"0") or b"0"
    sign = b"-" if literal.startswith(b"-") and digits != b"0" else b""
    return sign + digits
