"""The producer adapter at the level of kafka-python's futures: what counts as acknowledged, the
one wait, and how send failures become the forwarder's errors."""

from __future__ import annotations

import itertools
import ssl
import time
from typing import Any

import pytest
from kafka import errors as kafka_errors

from adapters import kafka_producer as kafka_producer_module
from adapters.kafka_producer import KafkaRecordProducer, network_client
from adapters.tls import HandshakeWatch, tls_context, watch_handshakes
from core.deadline import Deadline
from core.errors import (
    BrokerUnreachable,
    CredentialsRejected,
    DeliveryFailed,
    NotAuthorized,
    RecordTooLarge,
    TlsRefused,
    UnknownTopic,
)
from core.kafka_records import Records
from tests.support.kafka_client import (
    ACK,
    NEVER,
    KafkaClientDouble,
    Reply,
    ack_after,
    fail,
    raising,
)

RECORDS = list(
    Records([b"v%d" % n for n in range(4)], topic="events", key=b"k", batch_id=b"7", dedup_key="d")
)


def adapter(*replies: Reply, **client: object) -> tuple[KafkaRecordProducer, KafkaClientDouble]:
    script = (lambda n: replies[n]) if replies else (lambda _n: ACK)
    double = KafkaClientDouble(script=script, **client)  # type: ignore[arg-type]
    return KafkaRecordProducer(double, max_block_ms=5_000), double


def within(seconds: float) -> Deadline:
    return Deadline.in_seconds(seconds, 1.0)


def test_every_record_is_sent_with_its_topic_key_value_and_headers() -> None:
    producer, client = adapter()
    assert producer.produce(RECORDS[:1], within(5)) == [None]
    assert client.sends == [
        {
            "topic": "events",
            "value": b"v0",
            "key": b"k",
            "headers": [
                ("content-type", b"application/json"),
                ("x-forwarder-dedup-id", b"d:0"),
                ("x-mp-batch-id", b"7"),
            ],
        }
    ]


def test_a_record_kafka_never_acknowledges_is_reported_failed() -> None:
    producer, _ = adapter(ACK, NEVER, ACK, ACK)
    results = producer.produce(RECORDS, within(0.2))
    assert [r is None for r in results] == [True, False, True, True]
    assert isinstance(results[1], DeliveryFailed)


def test_an_unacknowledged_record_carries_its_documented_retry_reason() -> None:
    producer, _ = adapter(NEVER)
    [error] = producer.produce(RECORDS[:1], within(0.1))
    assert (type(error), str(error)) == (DeliveryFailed, "not acknowledged before the deadline")


def test_a_send_with_no_wait_left_may_still_block_one_millisecond_for_metadata() -> None:
    producer, client = adapter()
    producer.produce(RECORDS[:1], Deadline.in_seconds(0.0, 0.0))
    assert client.max_block_ms_at_send == [1]


def test_a_record_kafka_rejects_is_reported_with_the_translated_error() -> None:
    producer, _ = adapter(
        ACK,
        fail(kafka_errors.NotEnoughReplicasError()),
        fail(kafka_errors.MessageSizeTooLargeError()),
        fail(kafka_errors.SaslAuthenticationFailedError()),
    )
    results = producer.produce(RECORDS, within(5))
    assert results[0] is None
    assert isinstance(results[1], DeliveryFailed)
    assert isinstance(results[2], RecordTooLarge)
    assert isinstance(results[3], CredentialsRejected)


def test_the_wait_ends_with_the_last_acknowledgement_not_the_first() -> None:
    producer, _ = adapter(ACK, ack_after(0.05), ack_after(0.2), ACK)
    assert producer.produce(RECORDS, within(30)) == [None, None, None, None]


def test_the_wait_does_not_run_to_the_deadline_once_everything_is_acknowledged() -> None:
    producer, _ = adapter(ACK, ack_after(0.05), ACK, ACK)
    started = time.monotonic()
    producer.produce(RECORDS, within(30))
    assert time.monotonic() - started < 10  # far below the 30 s deadline


def test_the_wait_ends_at_the_deadline_when_acknowledgements_are_missing() -> None:
    producer, _ = adapter(NEVER, NEVER, NEVER, NEVER)
    started = time.monotonic()
    results = producer.produce(RECORDS, within(0.3))
    assert time.monotonic() - started >= 0.3
    assert all(isinstance(r, DeliveryFailed) for r in results)


def test_a_metadata_timeout_at_send_is_broker_unreachable_and_fails_the_rest_unsent() -> None:
    producer, client = adapter(
        ACK, raising(kafka_errors.KafkaTimeoutError()), ACK, ACK, metadata_answered=False
    )
    results = producer.produce(RECORDS, within(5))
    assert len(results) == len(RECORDS)
    assert results[0] is None
    assert all(isinstance(r, BrokerUnreachable) for r in results[1:])
    assert len(client.sends) == 2  # the rest were not tried


def test_a_metadata_timeout_for_a_topic_the_cluster_never_listed_is_unknown_topic() -> None:
    producer, client = adapter(raising(kafka_errors.KafkaTimeoutError()), topics=set())
    results = producer.produce(RECORDS, within(5))
    assert all(isinstance(r, UnknownTopic) and r.topic == "events" for r in results)
    assert len(client.sends) == 1


def test_a_topic_authorization_failure_is_not_authorized_for_that_topic() -> None:
    producer, _ = adapter(*[fail(kafka_errors.TopicAuthorizationFailedError())] * 4)
    results = producer.produce(RECORDS, within(5))
    assert all(isinstance(r, NotAuthorized) and r.topic == "events" for r in results)


def test_a_permanent_refusal_at_send_fails_that_record_only() -> None:
    producer, client = adapter(ACK, raising(kafka_errors.MessageSizeTooLargeError()), ACK, ACK)
    results = producer.produce(RECORDS, within(5))
    assert [type(r) for r in results] == [type(None), RecordTooLarge, type(None), type(None)]
    assert len(client.sends) == 4


def test_send_never_blocks_on_metadata_past_the_wait() -> None:
    ticks = itertools.count(0.0, 1.0)  # each look at the clock costs a second
    deadline = Deadline.in_seconds(2.5, clock=lambda: next(ticks))
    producer, client = adapter()
    producer.produce(RECORDS[:2], deadline)
    assert client.max_block_ms_at_send == [1500, 500]


def test_close_is_bounded_by_the_deadline() -> None:
    producer, client = adapter()
    producer.close(Deadline.in_seconds(0.0, 0.1))
    assert client.closed_with == [pytest.approx(0.1, abs=0.05)]


def test_a_close_stuck_on_a_dead_connection_stops_the_network_thread() -> None:
    producer, client = adapter(close_raises=kafka_errors.KafkaTimeoutError())
    producer.close()
    assert client._sender.force_closed


def _first_metadata_request(topics: list[str]) -> Any:
    """The metadata request the producer's network client would send first (no I/O made)."""
    client = network_client(topics)(bootstrap_servers="localhost:9", allow_auto_create_topics=False)
    try:
        return client.cluster.metadata_request()
    finally:
        client.close()


def test_the_producers_first_metadata_request_asks_for_the_topics_it_was_given() -> None:
    request = _first_metadata_request(["events", "audit"])

    assert sorted(topic.name for topic in request.topics) == ["audit", "events"]


def test_connect_gives_the_producer_a_network_client_asking_first_for_the_given_topics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[dict[str, Any]] = []
    monkeypatch.setattr(
        kafka_producer_module, "KafkaProducer", lambda **config: made.append(config)
    )
    config = {"ssl_context": tls_context(None, None), "max_block_ms": 1_000}
    KafkaRecordProducer.connect(config, ["events", "audit"])
    client = made[0]["kafka_client"](
        bootstrap_servers="localhost:9", allow_auto_create_topics=False
    )
    try:
        request = client.cluster.metadata_request()
    finally:
        client.close()
    assert sorted(topic.name for topic in request.topics) == ["audit", "events"]


def test_the_producers_metadata_requests_never_ask_the_cluster_to_create_a_topic() -> None:
    assert _first_metadata_request(["events"]).allow_auto_topic_creation is False


def test_the_stopped_network_thread_is_waited_for_within_the_close_bound() -> None:
    producer, client = adapter(close_raises=kafka_errors.KafkaTimeoutError())
    producer.close(Deadline.in_seconds(0.0, 0.2))
    assert client._sender.joined_with == [pytest.approx(0.2, abs=0.05)]


def test_a_metadata_timeout_reads_as_broker_unreachable_with_its_retry_reason() -> None:
    producer, _ = adapter(raising(kafka_errors.KafkaTimeoutError()), metadata_answered=False)
    [error] = producer.produce(RECORDS[:1], within(5))
    assert (type(error), str(error)) == (BrokerUnreachable, "no metadata before the deadline")


def test_a_metadata_timeout_before_any_metadata_answer_is_broker_unreachable_topic_or_not() -> None:
    producer, _ = adapter(
        raising(kafka_errors.KafkaTimeoutError()), topics=set(), metadata_answered=False
    )
    assert isinstance(producer.produce(RECORDS[:1], within(5))[0], BrokerUnreachable)


def test_a_metadata_timeout_for_a_listed_topic_is_broker_unreachable() -> None:
    producer, _ = adapter(raising(kafka_errors.KafkaTimeoutError()), topics={"events"})
    assert isinstance(producer.produce(RECORDS[:1], within(5))[0], BrokerUnreachable)


def test_a_metadata_timeout_after_a_refused_handshake_says_why_tls_failed() -> None:
    watch = HandshakeWatch()
    watch.failure = ssl.SSLError(1, "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] alert")
    watch.failure.reason = "TLSV13_ALERT_CERTIFICATE_REQUIRED"
    client = KafkaClientDouble(script=lambda _n: raising(kafka_errors.KafkaTimeoutError()))
    producer = KafkaRecordProducer(client, max_block_ms=5_000, handshakes=watch)
    [error] = producer.produce(RECORDS[:1], within(5))
    assert (type(error), str(error)) == (TlsRefused, watch.explain())


def test_a_refusal_at_send_other_than_a_timeout_names_the_records_topic() -> None:
    producer, _ = adapter(raising(kafka_errors.TopicAuthorizationFailedError()))
    [error] = producer.produce([RECORDS[0]._replace(topic="audit")], within(5))
    assert isinstance(error, NotAuthorized)
    assert error.topic == "audit"


def test_connect_makes_a_kafka_producer_of_the_config_watching_its_tls_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[dict[str, object]] = []
    client = KafkaClientDouble(script=lambda _n: raising(kafka_errors.KafkaTimeoutError()))

    def kafka_producer(**config: object) -> KafkaClientDouble:
        made.append(config)
        return client

    monkeypatch.setattr(kafka_producer_module, "KafkaProducer", kafka_producer)
    context = tls_context(None, None)
    config = {"ssl_context": context, "max_block_ms": 1_234, "acks": "all"}
    producer = KafkaRecordProducer.connect(config)
    watch_handshakes(context).failure = ssl.SSLCertVerificationError(1, "refused")
    watch_handshakes(context).failure.verify_message = "refused"  # type: ignore[union-attr]
    [error] = producer.produce(RECORDS[:1], within(30))
    [made_config] = made
    assert {k: v for k, v in made_config.items() if k != "kafka_client"} == config
    assert callable(made_config["kafka_client"])  # network_client: the topics in the first metadata
    assert isinstance(error, TlsRefused)
    assert client.max_block_ms_at_send == [1_234]
