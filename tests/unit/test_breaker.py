"""The breaker of the container's producer session: after a send found the cluster unreachable,
the next sends wait only the probe's bound, until one reaches the cluster again."""

from __future__ import annotations

from core.credentials import Credentials
from core.deadline import Deadline
from core.errors import BrokerUnreachable, DeliveryFailed, ForwarderError, RecordTooLarge
from core.kafka_records import KafkaRecord, Records
from core.producer_session import PROBE_WAIT_S, Breaker, ProducerSession, SendStats
from tests.support.fakes import FakeProducers

RECORDS = list(
    Records([b"v%d" % n for n in range(2)], topic="t", key=None, batch_id=None, dedup_key="d")
)


def within(wait_s: float = 30.0) -> Deadline:
    return Deadline.in_seconds(wait_s, 5.0, clock=lambda: 100.0)


class Cluster:
    """Answers every record with `error` (None: acknowledged); switch it between sends."""

    def __init__(self) -> None:
        self.error: ForwarderError | None = None

    def answer(self, _record: KafkaRecord, _c: Credentials | None) -> ForwarderError | None:
        return self.error


def session_on(cluster: Cluster) -> tuple[ProducerSession, FakeProducers]:
    producers = FakeProducers(cluster.answer)
    return ProducerSession(producers, None, Breaker()), producers


def waits(producers: FakeProducers) -> list[float]:
    return [wait for producer in producers.built for wait in producer.waits]


def test_the_first_send_waits_the_whole_wait() -> None:
    session, producers = session_on(Cluster())
    session.send(RECORDS, within(30.0), SendStats())
    assert waits(producers) == [30.0]


def test_after_an_unreachable_cluster_the_next_send_waits_only_the_probe() -> None:
    cluster = Cluster()
    cluster.error = BrokerUnreachable("no metadata before the deadline")
    session, producers = session_on(cluster)
    session.send(RECORDS, within(30.0), SendStats())
    stats = SendStats()
    session.send(RECORDS, within(30.0), stats)
    assert waits(producers) == [30.0, PROBE_WAIT_S]
    assert stats.probes == 1


def test_probes_go_on_while_the_cluster_stays_unreachable() -> None:
    cluster = Cluster()
    cluster.error = BrokerUnreachable("no metadata before the deadline")
    session, producers = session_on(cluster)
    for _ in range(4):
        session.send(RECORDS, within(30.0), SendStats())
    assert waits(producers) == [30.0, PROBE_WAIT_S, PROBE_WAIT_S, PROBE_WAIT_S]


def test_a_probe_that_reaches_the_cluster_closes_the_breaker() -> None:
    cluster = Cluster()
    cluster.error = BrokerUnreachable("no metadata before the deadline")
    session, producers = session_on(cluster)
    session.send(RECORDS, within(30.0), SendStats())
    cluster.error = None
    assert session.send(RECORDS, within(30.0), SendStats()) == [None, None]
    session.send(RECORDS, within(30.0), SendStats())
    assert waits(producers) == [30.0, PROBE_WAIT_S, 30.0]


def test_a_slow_cluster_does_not_open_the_breaker() -> None:
    # Not acknowledged in time: the cluster answered metadata, so it is reachable, only slow.
    cluster = Cluster()
    cluster.error = DeliveryFailed("not acknowledged before the deadline")
    session, producers = session_on(cluster)
    session.send(RECORDS, within(30.0), SendStats())
    session.send(RECORDS, within(30.0), SendStats())
    assert waits(producers) == [30.0, 30.0]


def test_the_probe_never_waits_past_the_invocations_own_wait() -> None:
    breaker = Breaker(probe_wait_s=2.0)
    breaker.record([BrokerUnreachable("x")])
    assert breaker.bound(within(0.5)).wait_left() == 0.5
    assert breaker.bound(within(30.0)).end == within(30.0).end


def test_any_acknowledged_record_means_the_cluster_was_reached() -> None:
    breaker = Breaker()
    breaker.record([None, BrokerUnreachable("x")])
    assert not breaker.open


def test_a_permanent_refusal_beside_unreachable_records_opens_the_breaker() -> None:
    breaker = Breaker()
    breaker.record([RecordTooLarge(), BrokerUnreachable("x")])
    assert breaker.open


def test_no_results_leave_the_breaker_as_it_was() -> None:
    breaker = Breaker()
    breaker.record([BrokerUnreachable("x")])
    breaker.record([])
    assert breaker.open


def test_each_probe_of_an_invocation_is_counted() -> None:
    cluster = Cluster()
    cluster.error = BrokerUnreachable("no metadata before the deadline")
    session, _producers = session_on(cluster)
    session.send(RECORDS, within(30.0), SendStats())
    stats = SendStats()
    session.send(RECORDS, within(30.0), stats)
    session.send(RECORDS, within(30.0), stats)
    assert stats.probes == 2
