"""Whether the fast path wrote every number of a body back as it came (docs/contract.md#numbers).

orjson reads a number into a float or a 64-bit integer and writes it back in its own shortest
form: `1.10` comes out as `1.1`, `1E3` as `1000.0`, `-0` as `0`, `1e-400` as `0.0`, and digits
past the 17th are lost. A record value carries every number with the text it came with, so the
transform rebuilds a message from the exact parser (`core.exact_json`) unless these checks show
that orjson wrote back every literal of its body unchanged. They never say yes wrongly.

They must cost next to nothing on the common body, whose floats (`19.99`, `40.7128`) orjson
writes back unchanged; and scanning a 57 KB body for its literals costs more than parsing it
(a regular expression: ~4x orjson's parse; the standard library's scanner: ~2x). So they compare
bytes first: the body is the output itself (one memcmp), or its events are orjson's text of
them and the batch fields around them (a few KB) come back unchanged from an orjson round trip.
Only a body not written as orjson writes (spaces, `\\u` escapes, events the settings changed) is
checked literal by literal with the standard library's scanner, and rebuilt exactly if that fails.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import orjson

from core.batch import Batch, Event, json_bytes
from core.framing import Frame

_dumps = orjson.dumps
_EVENTS = b'"events":['


def per_event_numbers_kept(
    body: bytes, batch: Batch, kept: list[Event], bodies: list[bytes], frame: Frame
) -> bool:
    """Per-event records: `body` is the SQS body's UTF-8 bytes (`utf8_body`), `bodies` orjson's
    text of the `kept` events of `batch`, `frame` the batch fields around them."""
    try:
        events = _events_text(batch.events or [], kept, bodies)
    except orjson.JSONEncodeError:  # a dropped event orjson cannot write: look at the literals
        return literals_kept(body)
    return _kept(json_bytes(body), frame.head, events, frame.tail) or literals_kept(body)


def batch_numbers_kept(
    body: bytes, batch: Batch, kept: list[Event], values: Sequence[bytes]
) -> bool:
    """Batch records: `body` is the SQS body's UTF-8 bytes (`utf8_body`), `values` orjson's text
    of `batch.fields` holding the `kept` events."""
    text = json_bytes(body)
    if len(values) == 1:
        value = values[0]
        if value == text:
            return True
        events = batch.fields.get("events")
        if isinstance(events, list) and len(kept) == len(batch.events or ()):
            frame = Frame(batch.fields)  # the batch fields alone: a few KB to write
            inside = value[len(frame.head) : len(value) - len(frame.tail)]
            if _kept(text, frame.head, inside, frame.tail):
                return True
    return literals_kept(body)


def literals_kept(body: bytes) -> bool:
    """Whether every number literal of `body` (an SQS body's UTF-8 bytes) is what orjson writes
    for its value.

    The standard library's scanner hands each literal over as written, to C-level appends (no
    Python call per number); one orjson round trip of them all then compares. It reads bytes as
    UTF-8 (a byte order mark dropped, lone surrogates passed through).
    """
    literals: list[str] = []
    collect = literals.append
    try:
        json.loads(body, parse_int=collect, parse_float=collect, parse_constant=collect)
    except (ValueError, RecursionError):
        return False
    joined = ("[" + ",".join(literals) + "]").encode()
    try:
        return bool(_dumps(orjson.loads(joined)) == joined)
    except orjson.JSONDecodeError:  # a literal orjson cannot hold (1e400, NaN)
        return False


def _kept(text: bytes, head: bytes, events: bytes, tail: bytes) -> bool:
    """Whether `text` is `head + events + tail` (all written by orjson), or holds `events` after
    its `"events":[` with everything around them surviving an orjson round trip.

    Sound wherever `events` is found: it is orjson's own text of complete objects between `[`
    and `]`, so no literal straddles its edges, and every literal outside is round-tripped.
    """
    if (
        len(text) == len(head) + len(events) + len(tail)
        and text.startswith(head)
        and text.endswith(tail)
        and text.startswith(events, len(head))
    ):
        return True
    at = text.find(_EVENTS)
    if at < 0:
        return False
    start = at + len(_EVENTS)
    end = start + len(events)
    if not text.startswith(events, start) or text[end : end + 1] != b"]":
        return False
    return _round_trips(text[:start] + text[end:])


def _events_text(events: list[Event], kept: list[Event], bodies: list[bytes]) -> bytes:
    """orjson's text of all `events`, as the body has them: the `kept` ones are in `bodies`,
    the ones the settings dropped (few) are written here."""
    if len(kept) == len(events):
        return b",".join(bodies)
    written = dict(zip(map(id, kept), bodies, strict=True))
    return b",".join([written.get(id(event)) or _dumps(event) for event in events])


def _round_trips(text: bytes) -> bool:
    try:
        return bool(_dumps(orjson.loads(text)) == text)
    except orjson.JSONDecodeError:
        return False
