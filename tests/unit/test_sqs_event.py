"""Reading Lambda's SQS event: messages with their receipt handles and receive counts, the queue's
ARN, FIFO or not."""

from __future__ import annotations

from typing import Any

import pytest

from core.sqs_event import NotAnSqsEvent, SqsMessage, parse_sqs_event

ARN = "arn:aws:sqs:us-east-1:123456789012:forwarder-events"


def record(message_id: str = "m", **fields: Any) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": "{}",
        "attributes": {"ApproximateReceiveCount": "3"},
        "eventSourceARN": ARN,
    } | fields


def test_a_message_keeps_its_receipt_handle_and_receive_count() -> None:
    (message,) = parse_sqs_event({"Records": [record("m1")]}).messages
    assert message == SqsMessage("m1", "{}", receipt_handle="handle-m1", receive_count=3)


def test_the_event_names_the_queue_it_came_from() -> None:
    event = parse_sqs_event({"Records": [record("m1"), record("m2")]})
    assert event.source_arn == ARN
    assert event.fifo is False


def test_a_fifo_queue_arn_makes_a_fifo_event() -> None:
    event = parse_sqs_event({"Records": [record(eventSourceARN=ARN + ".fifo")]})
    assert event.fifo is True


@pytest.mark.parametrize(
    "attributes", [{}, {"ApproximateReceiveCount": "many"}, {"ApproximateReceiveCount": "0"}, None]
)
def test_a_missing_or_malformed_receive_count_reads_as_the_first_receive(attributes: Any) -> None:
    (message,) = parse_sqs_event({"Records": [record(attributes=attributes)]}).messages
    assert message.receive_count == 1


def test_a_record_without_receipt_handle_or_arn_is_still_read() -> None:
    bare = {"messageId": "m", "body": "{}"}
    event = parse_sqs_event({"Records": [bare]})
    assert event.messages == (SqsMessage("m", "{}", receipt_handle="", receive_count=1),)
    assert event.source_arn is None


def test_a_record_without_a_message_id_is_not_an_sqs_event() -> None:
    with pytest.raises(NotAnSqsEvent):
        parse_sqs_event({"Records": [{"body": "{}"}]})
