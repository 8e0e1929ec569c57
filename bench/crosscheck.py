"""A cross-client check, not a throughput figure: librdkafka (confluent-kafka) reads back exactly
the records the handler wrote, values and headers, so the forwarder's output is plain Kafka that
a C client reads as well as kafka-python.

(This replaces the kcat MB/s anchor: a kcat run timed its own process start and TLS+SASL login
more than its throughput.)
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from bench.deploy import deploy, events, librdkafka_login, records
from bench.e2e import Handler
from local_stack import StackInfo

_READ_TIMEOUT_S = 30.0


def measure(info: StackInfo, messages: int = 10) -> dict[str, Any]:
    """Invoke the handler once with `messages` 10-event batches, then read the topic back."""
    env = deploy(info, send_as_batch=False)
    event = events(1, messages, 10)[0]
    expected = Counter((r.value, tuple(r.headers)) for r in records([event], send_as_batch=False))
    Handler().invoke(event)
    read = _read(info, env["KAFKA_TOPIC"], sum(expected.values()))
    return {
        "librdkafka_reads_what_was_written": read == expected,
        "crosscheck_records": sum(read.values()),
    }


def _read(info: StackInfo, topic: str, count: int) -> Counter[tuple[bytes | None, Any]]:
    """Up to `count` records of `topic` from the start, by a librdkafka consumer."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition  # noqa: PLC0415

    consumer = Consumer(
        librdkafka_login(info, "bench-crosscheck")
        | {"group.id": "bench-crosscheck", "enable.auto.commit": False}
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        read: Counter[tuple[bytes | None, Any]] = Counter()
        until = time.monotonic() + _READ_TIMEOUT_S
        while sum(read.values()) < count and time.monotonic() < until:
            for message in consumer.consume(num_messages=count, timeout=1.0):
                if message.error() is None:
                    read[(message.value(), tuple(message.headers() or ()))] += 1
        return read
    finally:
        consumer.close()
