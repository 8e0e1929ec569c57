"""The producer session: one producer per container, its rebuild rules, the one rotation retry,
and ports that raise."""

from __future__ import annotations

import itertools

import pytest

from core.credentials import Credentials
from core.deadline import Deadline
from core.errors import (
    BrokerUnreachable,
    CredentialsRejected,
    DeliveryFailed,
    ForwarderError,
    SecretUnavailable,
    UnknownTopic,
)
from core.kafka_records import KafkaRecord, Records
from core.producer_session import MIN_RETRY_WAIT_S, ProducerSession, SendStats
from tests.support.fakes import ALICE, ALICE_ROTATED, FakeProducers, FakeSecrets, Faults

RECORDS = list(
    Records([b"v%d" % n for n in range(3)], topic="t", key=None, batch_id=None, dedup_key="d")
)


def within(wait_s: float = 10.0) -> Deadline:
    return Deadline.in_seconds(wait_s, clock=lambda: 0.0)


def refusing_all_but(password: str):  # type: ignore[no-untyped-def]
    def answer(_r: KafkaRecord, credentials: Credentials | None) -> ForwarderError | None:
        ok = credentials is not None and credentials.password == password
        return None if ok else CredentialsRejected("rejected")

    return answer


def test_the_first_send_builds_a_producer_with_the_secret_and_waits_once() -> None:
    producers, stats = FakeProducers(), SendStats()
    results = ProducerSession(producers, FakeSecrets([ALICE])).send(RECORDS, within(), stats)
    assert results == [None, None, None]
    assert [p.credentials for p in producers.built] == [ALICE]
    assert stats.ack_waits == 1


def test_later_sends_reuse_the_producer() -> None:
    producers = FakeProducers()
    session = ProducerSession(producers, FakeSecrets([ALICE]))
    session.send(RECORDS, within(), SendStats())
    session.send(RECORDS, within(), SendStats())
    assert len(producers.built) == 1


def test_without_a_secret_the_producer_is_built_without_credentials() -> None:
    producers = FakeProducers()
    ProducerSession(producers, None).send(RECORDS, within(), SendStats())
    assert producers.built[0].credentials is None


def test_a_rejected_login_refetches_once_and_resends_only_the_refused_records() -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED])
    producers, stats = FakeProducers(refusing_all_but("new-password")), SendStats()
    results = ProducerSession(producers, secrets).send(RECORDS, within(), stats)
    assert results == [None, None, None]
    assert (secrets.refreshes, stats.secret_refreshes, stats.ack_waits) == (1, 1, 2)
    assert producers.built[0].closed
    assert producers.built[1].sent == RECORDS


def test_the_refetch_and_the_close_before_it_are_bounded_by_the_invocations_deadline() -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED])
    producers, deadline = FakeProducers(refusing_all_but("new-password")), within()
    ProducerSession(producers, secrets).send(RECORDS, deadline, SendStats())
    assert producers.built[0].closed_with == [deadline]
    assert all(d is deadline for d in secrets.deadlines)


def test_a_close_raising_before_the_refetch_is_named_as_a_fault() -> None:
    faults = Faults({"close": (0, ValueError)})
    producers = FakeProducers(refusing_all_but("new-password"), faults)
    stats = SendStats()
    ProducerSession(producers, FakeSecrets([ALICE, ALICE_ROTATED])).send(RECORDS, within(), stats)
    assert stats.faults == ["producer.close raised ValueError"]


def test_a_secret_source_raising_at_the_refetch_is_named_as_a_fault() -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED], Faults({"secret": (1, ValueError)}))
    stats = SendStats()
    results = ProducerSession(FakeProducers(refusing_all_but("new")), secrets).send(
        RECORDS, within(), stats
    )
    assert all(isinstance(r, SecretUnavailable) for r in results)
    assert stats.faults == ["secret source raised ValueError"]


def test_only_one_rotation_retry_per_invocation() -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED, ALICE_ROTATED])
    producers, stats = FakeProducers(refusing_all_but("never")), SendStats()
    session = ProducerSession(producers, secrets)
    session.send(RECORDS, within(), stats)
    session.send(RECORDS, within(), stats)  # the next slice of the same invocation
    assert secrets.refreshes == 1


def test_an_unreachable_cluster_with_the_same_secret_is_an_outage_and_not_resent() -> None:
    producers = FakeProducers(lambda _r, _c: BrokerUnreachable("no metadata"))
    stats = SendStats()
    results = ProducerSession(producers, FakeSecrets([ALICE, ALICE])).send(RECORDS, within(), stats)
    assert all(isinstance(r, BrokerUnreachable) for r in results)
    assert stats.ack_waits == 1


def test_an_unknown_topic_does_not_refetch_the_secret_nor_drop_the_producer() -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED])
    producers = FakeProducers(lambda r, _c: UnknownTopic(r.topic))
    session = ProducerSession(producers, secrets)
    results = session.send(RECORDS, within(), SendStats())
    assert all(isinstance(r, UnknownTopic) for r in results)
    assert secrets.refreshes == 0
    assert not producers.built[0].closed


@pytest.mark.parametrize(
    ("wait_left", "resent"), [(MIN_RETRY_WAIT_S - 0.001, False), (MIN_RETRY_WAIT_S, True)]
)
def test_the_rotation_retry_needs_two_seconds_of_the_wait_left(
    wait_left: float, resent: bool
) -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED])
    producers = FakeProducers(refusing_all_but("new-password"))
    results = ProducerSession(producers, secrets).send(RECORDS, within(wait_left), SendStats())
    assert (results == [None, None, None]) is resent
    assert secrets.refreshes == 1


def test_an_unreadable_secret_on_refetch_fails_the_refused_records_with_that_error() -> None:
    producers = FakeProducers(refusing_all_but("never"))
    results = ProducerSession(producers, FakeSecrets([ALICE, None])).send(
        RECORDS, within(), SendStats()
    )
    assert all(isinstance(r, SecretUnavailable) for r in results)


def test_a_wait_that_left_records_unacknowledged_replaces_the_producer_next_time() -> None:
    producers = FakeProducers(lambda r, _c: DeliveryFailed("timeout") if r.value == b"v0" else None)
    session = ProducerSession(producers, FakeSecrets([ALICE]))
    session.send(RECORDS, within(), SendStats())
    assert producers.built[0].closed
    session.send(RECORDS, within(), SendStats())
    assert len(producers.built) == 2


def test_a_changed_secret_value_rebuilds_the_producer_before_sending() -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED])
    producers = FakeProducers()
    session = ProducerSession(producers, secrets)
    session.send(RECORDS, within(), SendStats())
    secrets.rotate()
    session.send(RECORDS, within(), SendStats())
    assert [p.credentials for p in producers.built] == [ALICE, ALICE_ROTATED]
    assert producers.built[0].closed


@pytest.mark.parametrize(
    ("port", "fault"),
    [
        ("factory", "producer factory raised ValueError"),
        ("produce", "producer.produce raised ValueError"),
        ("secret", "secret source raised ValueError"),
    ],
)
def test_a_port_raising_fails_the_records_as_transient_and_names_the_fault(
    port: str, fault: str
) -> None:
    faults = Faults({port: (0, ValueError)})
    stats = SendStats()
    session = ProducerSession(FakeProducers(faults=faults), FakeSecrets([ALICE], faults=faults))
    results = session.send(RECORDS, within(), stats)
    assert len(results) == len(RECORDS)
    assert all(isinstance(r, DeliveryFailed | SecretUnavailable) for r in results)
    assert stats.faults == [fault]


def test_a_producer_whose_close_raises_is_forgotten_and_rebuilt() -> None:
    faults = Faults({"close": (0, RuntimeError)})
    producers = FakeProducers(faults=faults)
    session = ProducerSession(producers, FakeSecrets([ALICE]))
    session.send(RECORDS, within(), SendStats())
    stats = SendStats()
    session.close(within(), stats)
    assert stats.faults == ["producer.close raised RuntimeError"]
    assert session.send(RECORDS, within(), SendStats()) == [None, None, None]
    assert len(producers.built) == 2


def test_a_producer_that_returns_fewer_results_never_yields_delivered() -> None:
    class Short:
        def produce(self, records: object, deadline: Deadline) -> list[None]:
            return [None]

        def close(self, deadline: Deadline | None = None) -> None:
            pass

    stats = SendStats()
    results = ProducerSession(lambda _c: Short(), None).send(RECORDS, within(), stats)
    assert results[0] is None
    assert all(isinstance(r, DeliveryFailed) for r in results[1:])
    assert stats.faults


def test_the_producer_wait_is_bounded_by_the_deadline() -> None:
    ticks = itertools.count(0.0, 0.0)
    producers = FakeProducers()
    deadline = Deadline.in_seconds(7.5, clock=lambda: next(ticks))
    ProducerSession(producers, None).send(RECORDS, deadline, SendStats())
    assert producers.built[0].waits == [7.5]


class ShortProducer:
    """A producer that answers only the first record of each produce."""

    def produce(self, records: object, deadline: Deadline) -> list[None]:
        return [None]

    def close(self, deadline: Deadline | None = None) -> None:
        pass


def test_records_a_producer_left_without_result_fail_one_each_saying_so() -> None:
    results = ProducerSession(lambda _c: ShortProducer(), None).send(RECORDS, within(), SendStats())
    assert len(results) == len(RECORDS)
    assert [str(r) for r in results[1:]] == ["no result for the record"] * 2


def test_a_producer_returning_fewer_results_is_named_as_a_produce_fault() -> None:
    stats = SendStats()
    ProducerSession(lambda _c: ShortProducer(), None).send(RECORDS, within(), stats)
    assert stats.faults == ["producer.produce raised ValueError"]


@pytest.mark.parametrize(
    ("port", "reason"),
    [
        ("factory", "no producer: ValueError"),
        ("produce", "the producer raised ValueError"),
        ("secret", "the secret source raised ValueError"),
    ],
)
def test_a_port_raising_fails_the_records_naming_the_exception_class(
    port: str, reason: str
) -> None:
    faults = Faults({port: (0, ValueError)})
    session = ProducerSession(FakeProducers(faults=faults), FakeSecrets([ALICE], faults=faults))
    results = session.send(RECORDS, within(), SendStats())
    assert [str(r) for r in results] == [reason] * len(RECORDS)


def test_the_close_after_unacknowledged_records_is_bounded_by_the_deadline() -> None:
    producers, deadline = FakeProducers(lambda _r, _c: DeliveryFailed("timeout")), within()
    ProducerSession(producers, None).send(RECORDS, deadline, SendStats())
    assert producers.built[0].closed_with == [deadline]


def test_a_close_raising_after_unacknowledged_records_is_named_as_a_fault() -> None:
    faults = Faults({"close": (0, RuntimeError)})
    producers = FakeProducers(lambda _r, _c: DeliveryFailed("timeout"), faults)
    stats = SendStats()
    ProducerSession(producers, None).send(RECORDS, within(), stats)
    assert stats.faults == ["producer.close raised RuntimeError"]


def test_the_close_before_a_rebuild_for_a_changed_secret_is_bounded_by_the_deadline() -> None:
    secrets, producers = FakeSecrets([ALICE, ALICE_ROTATED]), FakeProducers()
    session = ProducerSession(producers, secrets)
    session.send(RECORDS, within(), SendStats())
    secrets.rotate()
    deadline = within()
    session.send(RECORDS, deadline, SendStats())
    assert producers.built[0].closed_with == [deadline]


def test_a_close_raising_before_a_rebuild_for_a_changed_secret_is_named_as_a_fault() -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED])
    producers = FakeProducers(faults=Faults({"close": (0, RuntimeError)}))
    session = ProducerSession(producers, secrets)
    session.send(RECORDS, within(), SendStats())
    secrets.rotate()
    stats = SendStats()
    session.send(RECORDS, within(), stats)
    assert stats.faults == ["producer.close raised RuntimeError"]


def test_an_unreadable_secret_on_refetch_leaves_the_other_records_results_alone() -> None:
    def answer(record: KafkaRecord, _c: Credentials | None) -> ForwarderError | None:
        return {b"v0": CredentialsRejected("rejected"), b"v1": None}.get(
            record.value, UnknownTopic("t")
        )

    results = ProducerSession(FakeProducers(answer), FakeSecrets([ALICE, None])).send(
        RECORDS, within(), SendStats()
    )
    assert isinstance(results[0], SecretUnavailable)
    assert results[1] is None
    assert isinstance(results[2], UnknownTopic)


def test_a_rotation_retry_that_finds_the_cluster_unreachable_opens_the_breaker() -> None:
    def answer(_r: KafkaRecord, credentials: Credentials | None) -> ForwarderError | None:
        if credentials == ALICE:
            return CredentialsRejected("rejected")
        return BrokerUnreachable("no metadata")

    session = ProducerSession(FakeProducers(answer), FakeSecrets([ALICE, ALICE_ROTATED]))
    session.send(RECORDS, within(), SendStats())
    stats = SendStats()
    session.send(RECORDS, within(), stats)
    assert stats.probes == 1
