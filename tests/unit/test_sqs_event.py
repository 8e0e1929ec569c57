"""Reading Lambda's SQS event: each record needs a non-empty string `messageId` and a string
`body`; messages keep their receipt handles and receive counts; the queue's ARN, FIFO or not."""

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


@pytest.mark.parametrize("arn", [7, ["arn"], ""])
def test_a_queue_arn_that_is_no_text_is_ignored(arn: Any) -> None:
    event = parse_sqs_event({"Records": [record("m1", eventSourceARN=arn)]})
    assert [message.message_id for message in event.messages] == ["m1"]
    assert (event.source_arn, event.fifo) == (None, False)


def test_a_record_without_a_message_id_is_not_an_sqs_event() -> None:
    with pytest.raises(NotAnSqsEvent):
        parse_sqs_event({"Records": [{"body": "{}"}]})


def test_records_become_messages_in_order() -> None:
    event = {"Records": [record("a", body="1"), record("b", body="2")]}
    assert [(m.message_id, m.body) for m in parse_sqs_event(event).messages] == [
        ("a", "1"),
        ("b", "2"),
    ]


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


def test_a_fifo_message_keeps_its_message_group_id() -> None:
    event = parse_sqs_event(
        {"Records": [record(eventSourceARN=ARN + ".fifo", attributes={"MessageGroupId": "u-1"})]}
    )
    assert event.messages[0].group_id == "u-1"


def test_a_standard_message_has_no_group() -> None:
    assert parse_sqs_event({"Records": [record()]}).messages[0].group_id is None


def test_an_event_without_a_records_list_is_refused_saying_what_was_expected() -> None:
    with pytest.raises(NotAnSqsEvent) as raised:
        parse_sqs_event({"records": []})
    assert str(raised.value) == "expected an object with a 'Records' list"


def test_an_event_without_a_queue_arn_is_not_fifo() -> None:
    assert parse_sqs_event({"Records": [{"messageId": "m", "body": "{}"}]}).fifo is False


@pytest.mark.parametrize("header", [5, ""])
def test_a_trace_header_attribute_that_is_no_text_gives_way_to_the_functions(header: Any) -> None:
    event = {
        "Records": [{"messageId": "m", "body": "{}", "attributes": {"AWSTraceHeader": header}}]
    }
    (message,) = parse_sqs_event(event, trace_header="Root=fn").messages
    assert message.trace_header == "Root=fn"
