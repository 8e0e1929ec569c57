"""Kafka records: what one record holds, and how a message's records are made, on demand.

See docs/contract.md#records. Headers, in order: `content-type: application/json`;
`x-forwarder-dedup-id: <body digest>:<n>`, n counting the message's records from 0;
`x-mp-batch-id` when the batch has an integer `batch_id`; `x-mp-event-type` on per-event
records; `traceparent` when the message has a trace (core.trace_context).

Runs once per event, so records are made by C-level zips and maps, and a record holds only what
is its own (value, position, event type); the headers it shares with its message's other
records live once, in `SharedHeaders`. Its header list is put together where kafka-python takes
it (`KafkaRecord.headers`, read once per send), never kept as one tuple per record.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from hashlib import sha256
from itertools import chain, repeat
from typing import Any, NamedTuple, overload

Header = tuple[str, bytes]

CONTENT_TYPE: Header = ("content-type", b"application/json")
DEDUP_ID = "x-forwarder-dedup-id"
BATCH_ID = "x-mp-batch-id"
EVENT_TYPE = "x-mp-event-type"
TRACEPARENT = "traceparent"


@dataclass(frozen=True, slots=True)
class SharedHeaders:
    """What the headers of one message's records have in common."""

    dedup_prefix: bytes  # `<body digest>:`; each record appends its index
    before_type: tuple[Header, ...] = ()  # the batch id header, when there is one
    after_type: tuple[Header, ...] = ()  # the traceparent header, when there is one

    @classmethod
    def of(
        cls, dedup_key: str, batch_id: bytes | None = None, traceparent: bytes | None = None
    ) -> SharedHeaders:
        return cls(
            dedup_key.encode() + b":",
            () if batch_id is None else ((BATCH_ID, batch_id),),
            () if traceparent is None else ((TRACEPARENT, traceparent),),
        )

    def headers(self, position: bytes, event_type: Header | None) -> list[Header]:
        """The headers of the record at `position` (in decimal), in the contract's order."""
        dedup_id = (DEDUP_ID, self.dedup_prefix + position)
        if event_type is None:
            return [CONTENT_TYPE, dedup_id, *self.before_type, *self.after_type]
        return [CONTENT_TYPE, dedup_id, *self.before_type, event_type, *self.after_type]


class KafkaRecord(NamedTuple):
    """One record to produce: topic, optional key, compact JSON value, and its headers' parts.

    A named tuple rather than a frozen dataclass: equally immutable, and about four times cheaper
    to build, which matters at one record per event on the transform's hot path.
    """

    topic: str
    key: bytes | None
    value: bytes
    position: bytes  # its number among its message's records, in decimal: the dedup id's end
    event_type: Header | None  # the `x-mp-event-type` header of a per-event record
    shared: SharedHeaders

    @property
    def headers(self) -> list[Header]:
        """Its headers, a new list on each read (kafka-python's `send` takes a list)."""
        return self.shared.headers(self.position, self.event_type)


# 128 bits of SHA-256: a collision between two different bodies is out of reach (birthday bound
# 2^64). SHA-256 rather than BLAKE2b: CPUs with SHA extensions (Graviton, recent x86) hash a 57 KB
# body in about 35 µs, twice as fast as BLAKE2b, and the hash runs once per message.
DIGEST_HEX = 32

_INDEXES = tuple(b"%d" % n for n in range(1024))
# tuple.__new__(KafkaRecord, fields) builds the named tuple without its Python-level __new__.
_new_record: Any = tuple.__new__
# Endless repeats never change state, so one of each serves every call (repeat() is costly).
_RECORD_TYPE = repeat(KafkaRecord)
_NO_EVENT_TYPES = repeat(None)
_join = b"".join


# Records are made this many at a time when iterated: large enough for the C-level maps to pay,
# small enough that a message expanding into thousands of large records never holds them all.
CHUNK = 256


class Records(Sequence[KafkaRecord]):
    """The records of one SQS message, made on demand from their parts.

    Value `i` is `head + parts[i] + tail`: per-event records share the batch fields (`head`,
    `tail`) around each event's bytes; batch records are whole values (empty head and tail).
    One message can expand into thousands of records of the batch fields' size, so they are
    never all built at once: `build` makes a range, iteration makes them `CHUNK` at a time.
    """

    __slots__ = ("_event_types", "_head", "_key", "_parts", "_shared", "_tail", "_topic", "_topics")

    def __init__(
        self,
        parts: Sequence[bytes],
        *,
        topic: str,
        key: bytes | None,
        batch_id: bytes | None,
        dedup_key: str,
        head: bytes = b"",
        tail: bytes = b"",
        event_types: Sequence[str] | None = None,
        traceparent: bytes | None = None,
        topics: Sequence[str] | None = None,
    ) -> None:
        """`topics`, when given, is each value's topic (routing); else every record's is `topic`."""
        self._parts, self._head, self._tail = parts, head, tail
        self._topic, self._key, self._topics = topic, key, topics
        self._shared = SharedHeaders.of(dedup_key, batch_id, traceparent)
        self._event_types = event_types

    def __len__(self) -> int:
        return len(self._parts)

    def value_bytes(self, start: int = 0, stop: int | None = None) -> int:
        """The bytes of the values `start:stop`, without building them."""
        parts = self._parts[start:stop]
        return len(parts) * (len(self._head) + len(self._tail)) + sum(map(len, parts))

    def value_sizes(self, start: int = 0) -> Iterator[int]:
        """The size of each value from `start` on, without building them."""
        return map((len(self._head) + len(self._tail)).__add__, map(len, self._parts[start:]))

    def build(self, start: int, stop: int) -> list[KafkaRecord]:
        """Records `start` to `stop` (exclusive), their dedup ids counted from `start`."""
        parts = self._parts[start:stop]
        head, tail = self._head, self._tail
        # One join per value (one allocation) at C level, rather than two concatenations.
        values = list(map(_join, zip(repeat(head), parts, repeat(tail)))) if head or tail else parts
        types = None if self._event_types is None else self._event_types[start:stop]
        topics = None if self._topics is None else self._topics[start:stop]
        return _records_of(
            values,
            self._topic,
            self._key,
            self._shared,
            event_types=types,
            first_index=start,
            topics=topics,
        )

    def __iter__(self) -> Iterator[KafkaRecord]:
        starts = range(0, len(self), CHUNK)
        # C-level chaining of CHUNK-sized builds: no Python frame per record.
        return chain.from_iterable(map(self.build, starts, map(CHUNK.__add__, starts)))

    @overload
    def __getitem__(self, index: int) -> KafkaRecord: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[KafkaRecord, ...]: ...
    def __getitem__(self, index: int | slice) -> KafkaRecord | tuple[KafkaRecord, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        position = range(len(self))[index]  # IndexError and negative indexes as a sequence
        return self.build(position, position + 1)[0]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]  # equal to tuples, so not hashable like them

    def __repr__(self) -> str:
        return f"Records({self._shared.dedup_prefix.decode()[:-1]!r}, {len(self)} records)"


def _records_of(
    values: Sequence[bytes],
    topic: str,
    key: bytes | None,
    shared: SharedHeaders,
    *,
    event_types: Sequence[str] | None,
    first_index: int,
    topics: Sequence[str] | None,
) -> list[KafkaRecord]:
    """One record per value, numbered from `first_index`, its headers `shared` with its message's
    other records; `event_types` (one per value) marks per-event records; `topics` (one per
    value), when given, replaces `topic`."""
    end = first_index + len(values)
    indexes = _INDEXES[first_index:end] if end <= len(_INDEXES) else _indexes(first_index, end)
    if event_types is None:
        type_headers: Iterator[Header | None] = _NO_EVENT_TYPES
    else:
        header_of = {t: (EVENT_TYPE, t.encode()) for t in set(event_types)}
        type_headers = map(header_of.__getitem__, event_types)
    # Each zip ends with its finite iterables (`values`, the indexes) as `repeat` never ends, so
    # `strict` does not apply (and its keyword parsing costs more than the zip).
    fields = zip(
        repeat(topic) if topics is None else topics,
        repeat(key),
        values,
        indexes,
        type_headers,
        repeat(shared),
    )
    return list(map(_new_record, _RECORD_TYPE, fields))


def body_digest(body: str | bytes) -> str:
    """The stem of a message's dedup ids: SHA-256 of its body's UTF-8 bytes, cut to 128 bits, in
    lower-case hex (32 digits). `body` is the SQS body or its UTF-8 bytes (`batch.utf8_body`).

    Made from the body alone, so it is the same on every redelivery, after a DLQ redrive (which
    gives the message a new SQS message id) and when the sender resends the same batch. A lone
    surrogate (which SQS cannot hold, but a hand-made event can) is hashed as its code unit
    rather than raising.
    """
    data = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    return sha256(data).hexdigest()[:DIGEST_HEX]


def _indexes(start: int, end: int) -> tuple[bytes, ...]:
    return tuple(b"%d" % n for n in range(start, end))
