"""Stand-ins for kafka-python's producer futures, shaped as `adapters.kafka_producer.wait_for`
reads them: a batch future with `wait(timeout)`, record futures with `is_done` and the
`_produce_future` of the batch they are in. The fake batch resolves its records before it is
set, as kafka-python's does, and can move them to another batch as a size split does."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(eq=False)
class FakeRecordFuture:
    _produce_future: FakeBatch
    is_done: bool = False


@dataclass(eq=False)
class FakeBatch:
    records: list[FakeRecordFuture] = field(default_factory=list)
    _latch: threading.Event = field(default_factory=threading.Event)
    waits: int = 0

    def record(self) -> FakeRecordFuture:
        future = FakeRecordFuture(self)
        self.records.append(future)
        return future

    def wait(self, timeout: float | None) -> bool:
        self.waits += 1
        return self._latch.wait(timeout)

    def acknowledge(self) -> None:
        """Resolve every record, then set the batch (kafka-python's order)."""
        for future in self.records:
            future.is_done = True
        self._latch.set()

    def split_into(self, new: FakeBatch) -> None:
        """Move the records to `new` and wake whoever waits here (as `rebind` does)."""
        for future in self.records:
            future._produce_future = new
            new.records.append(future)
        self.records = []
        self._latch.set()

    def set_without_resolving(self) -> None:
        self._latch.set()
