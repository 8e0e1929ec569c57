"""FIFO end to end on moto's FIFO queues and the real broker (docs/contract.md#fifo-queues):
records of one user reach Kafka in SQS order, and a dead letter goes to the FIFO invalid-message
queue in its source message's group, deduplicated by its body digest."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

from core.kafka_records import body_digest
from handlers.lambda_handler import handler
from handlers.local.event_source_mapping import LocalEventSourceMapping, MappingConfig
from local_stack import read_topic
from tests.support.deployment import Deployment

pytestmark = pytest.mark.integration

FAST = MappingConfig(batch_size=10, batching_window_s=0.2, visibility_timeout_s=5)


def batch(mpid: int, sequence: int) -> str:
    return json.dumps(
        {
            "mpid": mpid,
            "events": [
                {"event_type": "custom_event", "data": {"seq": sequence, "n": n}} for n in range(2)
            ],
        }
    )


def send(deployment: Deployment, group: str, body: str) -> str:
    answer = deployment.sqs.send_message(
        QueueUrl=deployment.queue_url, MessageBody=body, MessageGroupId=group
    )
    return str(answer["MessageId"])


def fifo_event(deployment: Deployment, group: str, body: str) -> dict[str, Any]:
    """A Lambda SQS event of one record from the deployment's FIFO source queue."""
    arn = deployment.sqs.get_queue_attributes(
        QueueUrl=deployment.queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    record = {
        "messageId": "fifo-0",
        "receiptHandle": "",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": group},
        "eventSourceARN": arn,
    }
    return {"Records": [record]}


def test_records_of_one_user_reach_kafka_in_sqs_order(deploy: Any) -> None:
    deployment = deploy(fifo=True, SEND_AS_BATCH="false")
    for sequence in range(12):
        mpid = 7 if sequence % 3 else 8  # two users, one message group each
        send(deployment, f"user-{mpid}", batch(mpid, sequence))
    mapping = LocalEventSourceMapping(deployment.sqs, deployment.queue_url, handler, FAST)
    stats = mapping.drain(max_idle_s=3)
    assert stats.acknowledged == 12
    by_user: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for record in read_topic(deployment.stack, deployment.topic, timeout_s=10):
        data = json.loads(record.value)["events"][0]["data"]
        by_user[record.key.decode()].append((data["seq"], data["n"]))
    assert by_user["7"] == [(s, n) for s in range(12) if s % 3 for n in range(2)]
    assert by_user["8"] == [(s, n) for s in range(0, 12, 3) for n in range(2)]


def test_a_dead_letter_keeps_its_message_group_on_a_fifo_invalid_message_queue(
    deploy: Any,
) -> None:
    deployment = deploy(fifo=True)
    send(deployment, "user-9", "{not json")
    LocalEventSourceMapping(deployment.sqs, deployment.queue_url, handler, FAST).drain(max_idle_s=3)
    [letter] = received(deployment)
    assert letter["Body"] == "{not json"
    assert letter["Attributes"]["MessageGroupId"] == "user-9"
    assert letter["Attributes"]["MessageDeduplicationId"] == body_digest("{not json")
    assert letter["MessageAttributes"]["error-class"]["StringValue"] == "InvalidBatch"


def test_a_dead_letter_sent_again_is_stored_once(deploy: Any) -> None:
    deployment = deploy(fifo=True)
    event = fifo_event(deployment, "user-9", "[]")
    assert deployment.invoke(event) == {"batchItemFailures": []}
    assert deployment.invoke(event) == {"batchItemFailures": []}  # a retried invocation
    assert [m["Body"] for m in received(deployment)] == ["[]"]


def received(deployment: Deployment) -> list[dict[str, Any]]:
    """Every message of the FIFO invalid-message queue, with its system attributes."""
    answer = deployment.sqs.receive_message(
        QueueUrl=deployment.invalid_url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
        WaitTimeSeconds=0,
    )
    return list(answer.get("Messages", []))
