"""The record batches of a topic as the local broker stored them: their codec and size on disk.

The broker keeps a producer's record batches as they came over the wire (the topic's
`compression.type` is `producer`), so their sizes are the bytes the producer sent and their
attributes say which codec compressed them. Read from the log segment files of the broker's data
folder (record batch format v2, Kafka's only format since 4.0); the page cache makes a batch
visible there as soon as the broker acknowledged it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from local_stack.readiness import layout
from local_stack.state import StackError, StackInfo

# Kafka's codec ids, the low three bits of a record batch's attributes.
CODECS = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}
# baseOffset (8) + batchLength (4): batchLength counts the bytes after these 12.
_LENGTH_END = 12
# + partitionLeaderEpoch (4) + magic (1) + crc (4): then the 2-byte attributes.
_MAGIC_AT = 16
_ATTRIBUTES_AT = 21
_MAGIC_V2 = 2
# ... + lastOffsetDelta, timestamps, producer id and epoch, baseSequence: then the record count.
_COUNT_AT = 57
_HEADER_END = 61


@dataclass(frozen=True)
class StoredBatch:
    codec: str  # a value of CODECS
    size: int  # bytes of the whole record batch, header included
    records: int


def stored_batches(info: StackInfo, topic: str) -> list[StoredBatch]:
    """Every record batch of `topic` on the broker's disk, partition by partition, in order."""
    folders = sorted(layout(info).data.glob(f"{topic}-[0-9]*"))
    folders = [f for f in folders if f.name.rpartition("-")[0] == topic]
    if not folders:
        raise StackError(f"topic {topic!r} has no partition folder in the broker's data")
    return [batch for folder in folders for batch in _segment_batches(folder)]


def _segment_batches(folder: Path) -> list[StoredBatch]:
    batches = []
    for segment in sorted(folder.glob("*.log")):
        data = segment.read_bytes()
        at = 0
        while at + _HEADER_END <= len(data):
            size = _LENGTH_END + int.from_bytes(data[at + 8 : at + _LENGTH_END], "big")
            if data[at + _MAGIC_AT] != _MAGIC_V2:
                raise StackError(f"{segment}: a record batch of magic {data[at + _MAGIC_AT]}")
            attributes = int.from_bytes(data[at + _ATTRIBUTES_AT : at + _ATTRIBUTES_AT + 2], "big")
            count = int.from_bytes(data[at + _COUNT_AT : at + _HEADER_END], "big")
            batches.append(StoredBatch(CODECS[attributes & 0x7], size, count))
            at += size
    return batches
