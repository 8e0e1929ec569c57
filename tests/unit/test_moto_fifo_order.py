"""The stack's moto serves a FIFO queue's message groups in order (local_stack.moto_server):
after several messages of a group became visible again together, they come back in SQS order,
and nothing of a group is offered while one of its messages is in flight."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.sqs.models import Queue

from local_stack.moto_server import CORRECTIONS


@pytest.fixture
def fifo(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    for name, corrected in CORRECTIONS.items():
        monkeypatch.setattr(Queue, name, corrected)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(
            QueueName="q.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )["QueueUrl"]
        for i in range(6):
            sqs.send_message(QueueUrl=url, MessageBody=f"b{i}", MessageGroupId=f"g{i % 2}")
        yield sqs, url


def bodies(sqs: Any, url: str, visibility_s: int = 30) -> list[str]:
    answer = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=visibility_s
    )
    return [m["Body"] for m in answer.get("Messages", [])]


def test_messages_visible_again_together_come_back_in_sqs_order(
    fifo: tuple[Any, str],
) -> None:
    sqs, url = fifo
    assert bodies(sqs, url, visibility_s=1) == [f"b{i}" for i in range(6)]
    time.sleep(1.2)
    assert bodies(sqs, url) == [f"b{i}" for i in range(6)]  # moto 5.2.5 alone: ["b4", "b5"]


def test_nothing_of_a_group_is_offered_while_one_of_its_messages_is_in_flight(
    fifo: tuple[Any, str],
) -> None:
    sqs, url = fifo
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    assert [m["Body"] for m in received] == ["b0"]
    assert bodies(sqs, url) == ["b1", "b3", "b5"]


def test_nothing_of_a_group_is_offered_while_a_later_message_of_it_is_in_flight(
    fifo: tuple[Any, str],
) -> None:
    sqs, url = fifo
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
    first, _, third = received["Messages"][:3]  # b0 and b2: group g0
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=1
    )
    time.sleep(1.2)
    assert third["Body"] == "b2"
    assert bodies(sqs, url) == []  # b0 is visible again, but b2 and b4 of its group are in flight
