"""Reading a topic with kcat (librdkafka's command-line client): a consumer no one here wrote."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass

from local_stack import StackInfo


@dataclass(frozen=True)
class KcatRecord:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


def kcat_read(info: StackInfo, topic: str, timeout_s: float = 30.0) -> list[KcatRecord]:
    """Every record of `topic` from the beginning to its end, as kcat decodes it (over the
    PLAINTEXT listener, in (partition, offset) order). `make test` installs kcat."""
    kcat = shutil.which("kcat")
    assert kcat is not None, "kcat is not installed (make test installs the Debian package)"
    answer = subprocess.run(
        [kcat, "-C", "-q", "-e", "-J", "-o", "beginning", "-b", info.bootstrap.plaintext,
         "-t", topic],
        capture_output=True,
        text=True,
        check=True,
        timeout=timeout_s,
    )  # fmt: skip
    records = [_record(json.loads(line)) for line in answer.stdout.splitlines() if line]
    return sorted(records, key=lambda r: (r.partition, r.offset))


def _record(envelope: dict[str, object]) -> KcatRecord:
    flat = envelope.get("headers") or []
    assert isinstance(flat, list)
    headers = tuple(
        (str(name), str(value).encode()) for name, value in zip(flat[::2], flat[1::2], strict=True)
    )
    key, payload = envelope["key"], envelope["payload"]
    return KcatRecord(
        partition=int(str(envelope["partition"])),
        offset=int(str(envelope["offset"])),
        key=None if key is None else str(key).encode(),
        value=str(payload).encode(),
        headers=headers,
    )
