"""SQS helpers against the stack's moto: a source queue with its dead-letter queue (what SQS moves
after maxReceiveCount receives), the invalid-message queue (what the forwarder judged invalid),
and a look at every message of a queue without consuming it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType


# SQS moves a message to the dead-letter queue when it is received once more after this many.
MAX_RECEIVE_COUNT = 5


def create_queue_pair(sqs: SQSClient, name: str, *, fifo: bool = False) -> tuple[str, str]:
    """Queue `name` with a redrive policy to `name`-dlq after MAX_RECEIVE_COUNT receives;
    returns the URLs of the queue and of the dead-letter queue. With `fifo`, both are FIFO
    queues (`name`.fifo, `name`-dlq.fifo) with content-based deduplication, as the template's."""
    dlq_url = sqs.create_queue(QueueName=_named(f"{name}-dlq", fifo), Attributes=_kind(fifo))[
        "QueueUrl"
    ]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
    redrive = {
        "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
        "maxReceiveCount": str(MAX_RECEIVE_COUNT),
    }
    attributes: dict[QueueAttributeNameType, str] = {"RedrivePolicy": json.dumps(redrive)}
    created = sqs.create_queue(QueueName=_named(name, fifo), Attributes=attributes | _kind(fifo))
    return created["QueueUrl"], dlq_url


def create_invalid_queue(sqs: SQSClient, name: str, *, fifo: bool = False) -> str:
    """The invalid-message queue `name`-invalid of source queue `name`; returns its URL. A FIFO
    one has no content-based deduplication: the forwarder sends its own deduplication ids."""
    attributes: dict[QueueAttributeNameType, str] = {"FifoQueue": "true"} if fifo else {}
    return sqs.create_queue(QueueName=_named(f"{name}-invalid", fifo), Attributes=attributes)[
        "QueueUrl"
    ]


def _named(name: str, fifo: bool) -> str:
    return f"{name}.fifo" if fifo else name


def _kind(fifo: bool) -> dict[QueueAttributeNameType, str]:
    return {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}


def peek_queue(sqs: SQSClient, queue_url: str, hide_s: int = 60) -> list[dict[str, Any]]:
    """Receive every visible message with its attributes, hiding each for `hide_s` seconds so
    none is seen twice; nothing is deleted (the messages reappear afterwards)."""
    found: list[dict[str, Any]] = []
    while True:
        answer = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            VisibilityTimeout=hide_s,
            WaitTimeSeconds=0,
        )
        messages = answer.get("Messages", [])
        if not messages:
            return found
        found.extend(dict(message) for message in messages)
