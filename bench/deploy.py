"""Point the forwarder at the local stack: a fresh topic, the stack's queues and secret, events."""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterator
from typing import Any

from bench.transform import synthetic_batch
from core.credentials import Credentials
from core.kafka_records import KafkaRecord
from core.sqs_event import SqsMessage
from handlers.local.context import LOCAL_POWERTOOLS_ENV, local_sqs_event
from local_stack import StackInfo, create_topic, env_vars


def deploy(
    info: StackInfo, *, send_as_batch: bool = False, compression: str = "none"
) -> dict[str, str]:
    """Set the forwarder's environment for a fresh 3-partition topic; returns that environment."""
    topic = f"bench-{uuid.uuid4().hex[:10]}"
    create_topic(info, topic, partitions=3)
    env = (
        env_vars(info)
        | LOCAL_POWERTOOLS_ENV
        | {
            "KAFKA_TOPIC": topic,
            "SEND_AS_BATCH": "true" if send_as_batch else "false",
            "KAFKA_COMPRESSION": compression,
        }
    )
    os.environ.update(env)
    from handlers import container  # noqa: PLC0415 (after the environment is set)

    container.reset()  # a new Lambda container for the new settings
    return env


def credentials(info: StackInfo) -> Credentials:
    """The SCRAM-SHA-512 user the stack's secret holds."""
    user = info.credentials("SCRAM-SHA-512")
    return Credentials(user.username, user.password)


def librdkafka_login(info: StackInfo, client_id: str) -> dict[str, Any]:
    """The librdkafka (confluent-kafka) settings for the listener and login the forwarder uses:
    SASL_SSL with the stack's SCRAM-SHA-512 user and CA, for a producer or a consumer."""
    user = credentials(info)
    return {
        "bootstrap.servers": info.bootstrap.sasl_ssl,
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "SCRAM-SHA-512",
        "sasl.username": user.username,
        "sasl.password": user.password,
        "ssl.ca.location": info.ca_file,
        "client.id": client_id,
    }


def events(invocations: int, messages: int, batch_events: int) -> list[dict[str, Any]]:
    """`invocations` SQS events of `messages` records, each body a `batch_events`-event batch."""
    # Seeds vary the bodies (and so the values) without changing their size much.
    return [
        local_sqs_event(
            [synthetic_batch(batch_events, seed=n * messages + m) for m in range(messages)], f"i{n}"
        )
        for n in range(invocations)
    ]


def records(sqs_events: list[dict[str, Any]], send_as_batch: bool) -> list[KafkaRecord]:
    """The Kafka records the forwarder makes of `sqs_events`, built once, outside any timing."""
    from core.settings import load_settings  # noqa: PLC0415
    from core.transform import BatchTransform  # noqa: PLC0415

    settings = load_settings(
        "preview", {"kafka_topic": os.environ["KAFKA_TOPIC"], "send_as_batch": send_as_batch}
    )
    transform = BatchTransform.from_settings(settings)
    built: list[KafkaRecord] = []
    for event in sqs_events:
        for record in event["Records"]:
            result = transform.apply(SqsMessage(record["messageId"], record["body"]))
            built.extend(getattr(result, "records", ()))
    return built


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Send fd 1 to /dev/null: the handler's log lines and EMF metrics are still written."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
