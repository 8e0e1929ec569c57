"""The Kafka adapter's one wait per call, on the real stack: it ends when the records are
acknowledged, without sitting out `linger_ms`, and leaves the producer as it found it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.kafka_producer import KafkaRecordProducer, Timeouts, producer_config
from core.credentials import Credentials
from core.deadline import Deadline
from core.kafka_records import KafkaRecord, Records
from core.settings import load_settings
from local_stack import StackInfo, create_topic, topic_record_count

pytestmark = pytest.mark.integration

# Far longer than the test may take: a wait that sat it out would show.
LONG_LINGER_MS = 10_000


@pytest.fixture
def adapter_topic(stack: StackInfo) -> str:
    name = f"adapter-{uuid.uuid4().hex[:12]}"
    create_topic(stack, name, partitions=3)
    return name


def _config(stack: StackInfo, topic: str) -> dict[str, Any]:
    settings = load_settings(
        "lambda",
        {
            "kafka_bootstrap_servers": stack.bootstrap.sasl_ssl,
            "kafka_topic": topic,
            "kafka_auth_method": "SCRAM-SHA-512",
            "kafka_secret_id": "unused",
            "kafka_ca_bundle": stack.ca_file,
            "dead_letter_queue_url": stack.dlq_url,
        },
    )
    user = stack.credentials("SCRAM-SHA-512")
    return producer_config(
        settings, Credentials(user.username, user.password), Timeouts.within(60_000)
    )


@pytest.fixture
def producer(stack: StackInfo, adapter_topic: str) -> Iterator[KafkaRecordProducer]:
    made = KafkaRecordProducer.connect(
        _config(stack, adapter_topic) | {"linger_ms": LONG_LINGER_MS}
    )
    yield made
    made.close()


def records(topic: str, count: int) -> list[KafkaRecord]:
    values = [b'{"n":%d}' % n for n in range(count)]
    return list(Records(values, topic=topic, key=None, batch_id=None, dedup_key="m"))


def test_the_wait_ends_with_the_acknowledgements_not_after_linger_ms(
    producer: KafkaRecordProducer, adapter_topic: str, stack: StackInfo
) -> None:
    started = time.monotonic()
    results = producer.produce(records(adapter_topic, 300), Deadline.in_seconds(60.0))
    assert results == [None] * 300
    assert time.monotonic() - started < LONG_LINGER_MS / 1000 / 2
    assert topic_record_count(stack, adapter_topic) == 300


def test_a_second_call_waits_for_its_own_records_as_the_first_did(
    producer: KafkaRecordProducer, adapter_topic: str, stack: StackInfo
) -> None:
    for _ in range(2):
        started = time.monotonic()
        results = producer.produce(records(adapter_topic, 50), Deadline.in_seconds(60.0))
        assert results == [None] * 50
        assert time.monotonic() - started < LONG_LINGER_MS / 1000 / 2
    assert topic_record_count(stack, adapter_topic) == 100


def test_the_flush_a_call_starts_is_over_when_it_returns(
    producer: KafkaRecordProducer, adapter_topic: str
) -> None:
    """Pins the kafka-python internals the wait uses (`_accumulator`'s flush count): were it
    left raised, every later batch would leave without lingering."""
    producer.produce(records(adapter_topic, 10), Deadline.in_seconds(60.0))
    assert producer._producer._accumulator._flushes_in_progress.get() == 0


def test_a_producer_given_its_topic_knows_the_partitions_from_its_bootstrap(
    stack: StackInfo, adapter_topic: str
) -> None:
    made = KafkaRecordProducer.connect(_config(stack, adapter_topic), topics=[adapter_topic])
    try:
        metadata = made._producer._metadata
        deadline = time.monotonic() + 30
        while not metadata._last_successful_refresh_ms and time.monotonic() < deadline:
            time.sleep(0.01)
        # The first metadata answer is the bootstrap's: no send asked for the topic.
        assert metadata.partitions_for_topic(adapter_topic) == {0, 1, 2}
    finally:
        made.close()
