"""Reading Lambda's SQS event: each record needs a non-empty string `messageId` and a string
`body`; FIFO is told by the source queue's ARN."""

from __future__ import annotations

from typing import Any

import pytest

from core.sqs_event import NotAnSqsEvent, SqsMessage, parse_sqs_event


def record(**fields: Any) -> dict[str, Any]:
    return {
        "messageId": "m-1",
        "body": "{}",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:1:q",
    } | fields


def test_records_become_messages_in_order() -> None:
    event = {"Records": [record(messageId="a", body="1"), record(messageId="b", body="2")]}
    assert parse_sqs_event(event).messages == (SqsMessage("a", "1"), SqsMessage("b", "2"))


@pytest.mark.parametrize("message_id", ["", None, 7, ["m"]])
def test_a_record_without_a_non_empty_string_message_id_is_refused(message_id: Any) -> None:
    with pytest.raises(NotAnSqsEvent, match="messageId"):
        parse_sqs_event({"Records": [record(messageId=message_id)]})


@pytest.mark.parametrize("body", [None, 7, {"a": 1}])
def test_a_record_without_a_string_body_is_refused(body: Any) -> None:
    with pytest.raises(NotAnSqsEvent, match="body"):
        parse_sqs_event({"Records": [record(body=body)]})


@pytest.mark.parametrize("event", [None, [], {"records": []}, {"Records": {}}, {"Records": [1]}])
def test_an_event_of_another_shape_is_refused(event: Any) -> None:
    with pytest.raises(NotAnSqsEvent):
        parse_sqs_event(event)


def test_an_empty_batch_is_a_batch_of_no_messages() -> None:
    assert parse_sqs_event({"Records": []}).messages == ()


@pytest.mark.parametrize(
    ("arn", "fifo"), [("arn:aws:sqs:r:1:q.fifo", True), ("arn:aws:sqs:r:1:q", False)]
)
def test_a_fifo_source_queue_is_told_by_its_arn(arn: str, fifo: bool) -> None:
    assert parse_sqs_event({"Records": [record(eventSourceARN=arn)]}).fifo is fifo
