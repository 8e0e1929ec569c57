"""SQS helpers against the stack's moto: look at every message of a queue without consuming it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


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
