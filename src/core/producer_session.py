"""The container's producer: who builds it, when it is rebuilt, and the one rotation retry.

Built from the secret's credentials on first use and reused across invocations; rebuilt when the
secret's value changed and after a wait that ended with records unacknowledged (they may sit on a
dead connection). When the broker refuses the login (or, with SASL, cannot be reached, which is
how kafka-python reports a login refused at bootstrap), the secret is refetched once per
invocation and the refused records are sent again if that can still help. Every call into a port
is guarded: whatever it raises becomes a transient error for the records concerned and a fault
named in the report, never an exception out of `send`.

A breaker spares the container's invocations the full wait during an outage: once a send found the
cluster unreachable (no metadata before the deadline), the next sends probe with a short bound
(`PROBE_WAIT_S`) instead of the invocation's whole wait, until one reaches the cluster again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.credentials import Credentials
from core.deadline import Deadline
from core.errors import (
    BrokerUnreachable,
    CredentialsRejected,
    DeliveryFailed,
    ForwarderError,
    SecretUnavailable,
    TransientError,
)
from core.kafka_records import KafkaRecord
from core.ports import RecordProducer, SecretSource

ProduceResult = ForwarderError | None
ProducerFactory = Callable[[Credentials | None], RecordProducer]

# A retry after a credentials refresh is only worth it with this much of the wait left.
MIN_RETRY_WAIT_S = 2.0
# How long a send waits while the breaker is open: enough for a reachable cluster's metadata and a
# fresh login (well under a second on a healthy cluster), far less than an invocation's wait.
PROBE_WAIT_S = 2.0
_LOGIN_SUSPECT = (CredentialsRejected, BrokerUnreachable)


@dataclass(slots=True)
class SendStats:
    """What one invocation's sends cost: acknowledgement waits, secret refreshes, port faults."""

    ack_waits: int = 0
    secret_refreshes: int = 0
    probes: int = 0  # sends bounded by the open breaker
    faults: list[str] = field(default_factory=list)


class Breaker:
    """Open after a send found the cluster unreachable; closed by any send that reached it.

    Only "unreachable" opens it (kafka-python had no metadata in time): a slow cluster answers
    metadata, so its records fail as not acknowledged and it keeps the full wait.
    """

    def __init__(self, probe_wait_s: float = PROBE_WAIT_S) -> None:
        self.open = False
        self._probe_wait_s = probe_wait_s

    def bound(self, deadline: Deadline) -> Deadline:
        """`deadline`, with its wait cut to the probe's while the breaker is open."""
        if not self.open:
            return deadline
        probe_end = deadline.clock() + self._probe_wait_s
        return Deadline(min(deadline.wait_end, probe_end), deadline.end, deadline.clock)

    def record(self, results: Sequence[ProduceResult]) -> None:
        if not any(results):  # every record acknowledged (or none sent): one C-level scan
            self.open = self.open and not results
            return
        unreachable = any(isinstance(r, BrokerUnreachable) for r in results)
        self.open = unreachable and None not in results


class ProducerSession:
    """Sends records through the container's producer; one instance per container."""

    def __init__(
        self,
        producers: ProducerFactory,
        secrets: SecretSource | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self._producers = producers
        self._secrets = secrets
        self._producer: RecordProducer | None = None
        self._credentials: Credentials | None = None
        self._breaker = breaker or Breaker()

    def send(
        self, records: Sequence[KafkaRecord], deadline: Deadline, stats: SendStats
    ) -> list[ProduceResult]:
        """Produce `records` with one wait; one result per record (None: acknowledged)."""
        if self._breaker.open:
            stats.probes += 1
        results = self._attempt(records, self._breaker.bound(deadline), stats)
        self._breaker.record(results)
        if not any(results):  # every record acknowledged: the common case, one C-level scan
            return results
        suspects = [i for i, result in enumerate(results) if isinstance(result, _LOGIN_SUSPECT)]
        if not suspects or self._secrets is None or stats.secret_refreshes:
            return results
        try:
            changed = self._refresh(deadline, stats)
        except TransientError as exc:
            refused = set(suspects)
            return [exc if i in refused else r for i, r in enumerate(results)]
        if not changed and not any(isinstance(r, CredentialsRejected) for r in results):
            return results  # the same secret and no plain refusal: an outage, not a rotation
        if deadline.wait_left() < MIN_RETRY_WAIT_S:
            return results
        retried = self._attempt([records[i] for i in suspects], deadline, stats)
        self._breaker.record(retried)
        for index, result in zip(suspects, retried, strict=True):
            results[index] = result
        return results

    def close(self, deadline: Deadline | None = None, stats: SendStats | None = None) -> None:
        """Release the producer (it is forgotten even when its close fails)."""
        producer, self._producer = self._producer, None
        if producer is None:
            return
        try:
            producer.close(deadline)
        except Exception as exc:  # see the module docstring
            _fault(stats, "producer.close", exc)

    def release(self) -> None:
        """Close the producer and the secret source's connections: the container is reset."""
        self.close()
        if self._secrets is not None:
            self._secrets.close()

    # --- the steps --------------------------------------------------------------------------

    def _attempt(
        self, records: Sequence[KafkaRecord], deadline: Deadline, stats: SendStats
    ) -> list[ProduceResult]:
        try:
            producer = self._current(deadline, stats)
        except TransientError as exc:
            return [exc] * len(records)
        stats.ack_waits += 1
        try:
            results = list(producer.produce(records, deadline))
        except Exception as exc:  # see the module docstring
            _fault(stats, "producer.produce", exc)
            results = [DeliveryFailed(f"the producer raised {type(exc).__name__}")] * len(records)
        if len(results) != len(records):
            _fault(stats, "producer.produce", ValueError(f"{len(results)} results"))
            results = results[: len(records)]
            results += [DeliveryFailed("no result for the record")] * (len(records) - len(results))
        if any(results) and any(isinstance(result, DeliveryFailed) for result in results):
            self.close(deadline, stats)  # unacknowledged records may sit on a dead connection
        return results

    def _current(self, deadline: Deadline, stats: SendStats) -> RecordProducer:
        credentials = self._read_secret(deadline, stats, refresh=False)
        if self._producer is not None and credentials != self._credentials:
            self.close(deadline, stats)  # the secret changed (rotation): reconnect with it
        if self._producer is None:
            try:
                self._producer = self._producers(credentials)
            except Exception as exc:  # see the module docstring
                _fault(stats, "producer factory", exc)
                raise DeliveryFailed(f"no producer: {type(exc).__name__}") from None
            self._credentials = credentials
        return self._producer

    def _refresh(self, deadline: Deadline, stats: SendStats) -> bool:
        """Refetch the secret after a refused login; whether its value changed. The producer is
        closed either way: the next send logs in afresh."""
        used = self._credentials
        self.close(deadline, stats)
        stats.secret_refreshes += 1
        return self._read_secret(deadline, stats, refresh=True) != used

    def _read_secret(
        self, deadline: Deadline, stats: SendStats, *, refresh: bool
    ) -> Credentials | None:
        if self._secrets is None:
            return None
        try:
            return self._secrets.get(deadline, refresh=refresh)
        except TransientError:
            raise
        except Exception as exc:  # see the module docstring
            _fault(stats, "secret source", exc)
            raise SecretUnavailable(f"the secret source raised {type(exc).__name__}") from None


def _fault(stats: SendStats | None, where: str, exc: BaseException) -> None:
    """Name the failing port and the exception class; never its message (it may hold data)."""
    if stats is not None:
        stats.faults.append(f"{where} raised {type(exc).__name__}")
