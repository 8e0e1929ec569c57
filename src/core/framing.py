"""Lay out record values: the batch fields serialized once, with event bytes spliced into them.

A value is `head + b",".join(events) + tail`, where head ends with `"events":[` and tail starts
with `]`, so the batch keeps its key order and `events` stays where it was. A batch record over
the size limit is split into contiguous shares of events, each record at most the limit.
"""

from __future__ import annotations

from typing import Any

import orjson

from core.errors import RecordTooLarge

_dumps = orjson.dumps
# Written as is by orjson. orjson escapes every control character inside strings, so a raw NUL
# byte appears nowhere else in its output: it marks the place of `events` unambiguously.
_SPLICE = orjson.Fragment(b"\x00")


class Frame:
    """The batch fields around `events`, serialized once for every record of the batch."""

    __slots__ = ("head", "tail")

    def __init__(self, fields: dict[str, Any]) -> None:
        """`fields` must hold `events`; it is left as it was."""
        events = fields["events"]
        fields["events"] = _SPLICE  # same key, same place: the key order is kept
        try:
            text = _dumps(fields)
        finally:
            fields["events"] = events
        at = text.index(0)
        self.head = text[:at] + b"["
        self.tail = b"]" + text[at + 1 :]

    @property
    def overhead(self) -> int:
        """Bytes of a value that are not event bytes."""
        return len(self.head) + len(self.tail)

    def value(self, events: list[bytes]) -> bytes:
        return self.head + b",".join(events) + self.tail


def split(frame: Frame, events: list[bytes], limit: int) -> list[bytes]:
    """Batch values holding every event in order, each at most `limit` bytes, fewest shares.

    Raises `RecordTooLarge` when one event alone, with the batch fields, is over the limit.
    """
    budget = limit - frame.overhead
    values: list[bytes] = []
    share: list[bytes] = []
    size = 0  # event bytes in `share` plus the commas between them
    for event in events:
        if len(event) > budget:
            raise RecordTooLarge
        if share and size + 1 + len(event) > budget:
            values.append(frame.value(share))
            share, size = [], 0
        size += len(event) + (1 if share else 0)
        share.append(event)
    if share:
        values.append(frame.value(share))
    return values
