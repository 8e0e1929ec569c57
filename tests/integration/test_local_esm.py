"""The local event source mapping against moto's SQS, and the accounting of every message."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from core.kafka_records import body_digest
from handlers.lambda_handler import handler
from handlers.local.event_source_mapping import LocalEventSourceMapping, MappingConfig
from local_stack import read_topic
from tests.support.deployment import Deployment

pytestmark = pytest.mark.integration

FAST = MappingConfig(batch_size=10, batching_window_s=0.2, visibility_timeout_s=1)


def batch(mpid: int) -> str:
    return json.dumps({"mpid": mpid, "events": [{"event_type": "custom_event", "data": {}}]})


def send(deployment: Deployment, bodies: list[str]) -> list[str]:
    ids = []
    for body in bodies:
        answer = deployment.sqs.send_message(
            QueueUrl=deployment.queue_url,
            MessageBody=body,
            MessageAttributes={"origin": {"DataType": "String", "StringValue": "test"}},
        )
        ids.append(answer["MessageId"])
    return ids


def test_the_handler_gets_lambdas_sqs_event_shape(deploy: Any) -> None:
    deployment = deploy()
    [message_id] = send(deployment, [batch(1)])
    seen: list[dict[str, Any]] = []

    def recording_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        assert context.get_remaining_time_in_millis() > 0
        return {"batchItemFailures": []}

    LocalEventSourceMapping(
        deployment.sqs, deployment.queue_url, recording_handler, FAST
    ).poll_once()
    [record] = seen[0]["Records"]
    assert record["messageId"] == message_id
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(f":{deployment.topic}")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["origin"] == {
        "stringValue": "test",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert set(record) >= {"receiptHandle", "body", "md5OfBody", "awsRegion"}


def test_only_what_the_handler_acknowledged_is_deleted(deploy: Any) -> None:
    deployment = deploy()
    ids = send(deployment, [batch(1), batch(2), batch(3)])

    def fail_second(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": ids[1]}]}

    mapping = LocalEventSourceMapping(deployment.sqs, deployment.queue_url, fail_second, FAST)
    mapping.poll_once()
    assert deployment.queue_depth() == 1
    time.sleep(1.2)  # the visibility timeout passes and the failed message reappears
    again = deployment.sqs.receive_message(QueueUrl=deployment.queue_url, WaitTimeSeconds=1)
    assert [m["MessageId"] for m in again["Messages"]] == [ids[1]]


def test_a_handler_that_raises_acknowledges_nothing(deploy: Any) -> None:
    deployment = deploy()
    send(deployment, [batch(1), batch(2)])

    def broken(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
        raise RuntimeError("bug")

    mapping = LocalEventSourceMapping(deployment.sqs, deployment.queue_url, broken, FAST)
    mapping.poll_once()
    assert mapping.stats.failed_invocations == 1
    assert deployment.queue_depth() == 2


def test_a_handler_that_overruns_its_timeout_acknowledges_nothing(deploy: Any) -> None:
    deployment = deploy()
    send(deployment, [batch(1)])

    def slow(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
        time.sleep(0.6)
        return {"batchItemFailures": []}

    config = MappingConfig(batching_window_s=0.1, visibility_timeout_s=5, function_timeout_s=0.5)
    LocalEventSourceMapping(deployment.sqs, deployment.queue_url, slow, config).poll_once()
    assert deployment.queue_depth() == 1


def test_a_message_failing_five_receives_is_moved_to_the_dead_letter_queue(deploy: Any) -> None:
    deployment = deploy(KAFKA_BOOTSTRAP_SERVERS="localhost:1")
    [message_id] = send(deployment, [batch(1)])
    config = MappingConfig(batching_window_s=0.1, visibility_timeout_s=1, function_timeout_s=4)
    mapping = LocalEventSourceMapping(deployment.sqs, deployment.queue_url, handler, config)
    mapping.drain(max_idle_s=6, max_seconds=90)  # idle through the longest local backoff (4 s)
    assert mapping.stats.reported_failed == 5
    assert [m["MessageId"] for m in deployment.exhausted()] == [message_id]
    assert deployment.invalid_messages() == []


def test_a_retried_message_stays_hidden_for_its_backoff_not_the_visibility_timeout(
    deploy: Any,
) -> None:
    # Backoff of 8 s at the first receive: hidden 4-8 s, though the mapping hides for 1 s.
    deployment = deploy(
        KAFKA_BOOTSTRAP_SERVERS="localhost:1",
        RETRY_BACKOFF_BASE_SECONDS="8",
        RETRY_BACKOFF_MAX_SECONDS="8",
    )
    send(deployment, [batch(1)])
    config = MappingConfig(batching_window_s=0.1, visibility_timeout_s=1, function_timeout_s=6)
    mapping = LocalEventSourceMapping(deployment.sqs, deployment.queue_url, handler, config)
    assert mapping.poll_once() == 1
    assert mapping.stats.reported_failed == 1
    hidden_for = seconds_until_visible(deployment, max_seconds=15)
    # The handler set 4-8 s just before it returned; the count is read every 0.2 s.
    assert 3.5 <= hidden_for <= 9.0


def seconds_until_visible(deployment: Deployment, max_seconds: float) -> float:
    """Seconds until the source queue shows a message again (SQS's visible count)."""
    started = time.monotonic()
    while time.monotonic() - started < max_seconds:
        attributes = deployment.sqs.get_queue_attributes(
            QueueUrl=deployment.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        if int(attributes["ApproximateNumberOfMessages"]):
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not visible again within {max_seconds}s")


def test_every_message_is_in_kafka_or_in_the_dead_letter_queue(deploy: Any) -> None:
    deployment = deploy()
    bodies = [batch(n) if n % 7 else "not json" for n in range(1, 41)]
    ids = send(deployment, bodies)
    mapping = LocalEventSourceMapping(deployment.sqs, deployment.queue_url, handler, FAST)
    mapping.drain(max_idle_s=3, max_seconds=120)
    id_of = {body_digest(body): i for body, i in zip(bodies, ids, strict=True)}
    in_kafka = {
        id_of[dict(r.headers)["x-forwarder-dedup-id"].decode().rsplit(":", 1)[0]]
        for r in read_topic(deployment.stack, deployment.topic, timeout_s=10)
    }
    dead = {
        m["MessageAttributes"]["source-message-id"]["StringValue"]
        for m in deployment.invalid_messages()
    }
    assert in_kafka | dead == set(ids)
    assert not in_kafka & dead
    assert len(dead) == sum(1 for b in bodies if b == "not json")
    assert deployment.queue_depth() == 0
