"""The SQS retry scheduler (`adapters.retries`): ChangeMessageVisibilityBatch on the event's queue,
ten entries a call, within the deadline, failures returned rather than raised."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from adapters.retries import SqsRetryScheduler, queue_url_of
from core.backoff import Postponement
from core.deadline import Deadline

ARN = "arn:aws:sqs:eu-west-1:123456789012:forwarder-events"
ENDPOINT = "https://sqs.eu-west-1.amazonaws.com"
AMPLE = Deadline.in_seconds(30.0, 5.0, clock=lambda: 0.0)  # a clock that stands still


class _Meta:
    endpoint_url = ENDPOINT


class RecordingSqs:
    meta = _Meta()

    def __init__(self, failing: set[str] | None = None, raises: Exception | None = None) -> None:
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []
        self.failing = failing or set()
        self.raises = raises
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def change_message_visibility_batch(
        self,
        QueueUrl: str,  # noqa: N803 (boto3's names)
        Entries: list[dict[str, Any]],  # noqa: N803
    ) -> dict[str, Any]:
        self.calls.append((QueueUrl, Entries))
        if self.raises is not None:
            raise self.raises
        failed = [
            {"Id": e["Id"], "Code": "ReceiptHandleIsInvalid", "SenderFault": True}
            for e in Entries
            if e["ReceiptHandle"] in self.failing
        ]
        return {"Successful": [], "Failed": failed}


def postponements(count: int) -> list[Postponement]:
    return [Postponement(f"m{i}", f"h{i}", 10 + i) for i in range(count)]


def scheduler(sqs: RecordingSqs) -> SqsRetryScheduler:
    return SqsRetryScheduler(lambda: sqs, worst_call_s=3.0)  # type: ignore[arg-type,return-value]


def test_the_queue_url_is_built_from_the_arn_on_the_clients_endpoint() -> None:
    assert queue_url_of(ARN, ENDPOINT) == f"{ENDPOINT}/123456789012/forwarder-events"
    assert queue_url_of(ARN, "http://127.0.0.1:5000/") == (
        "http://127.0.0.1:5000/123456789012/forwarder-events"
    )


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "not-an-arn",
        "arn:aws:sns:eu-west-1:1:topic",
        "arn:aws:sqs:r::",
        "arn:aws:sqs:eu-west-1::forwarder-events",
        "arn:aws:sqs:eu-west-1:123456789012:",
        f"{ARN}:extra",
        "nra:aws:sqs:eu-west-1:123456789012:forwarder-events",
    ],
)
def test_anything_but_an_sqs_arn_has_no_queue_url(arn: str) -> None:
    assert queue_url_of(arn, ENDPOINT) is None


def test_visibility_timeouts_are_set_ten_at_a_time_with_each_delay() -> None:
    sqs = RecordingSqs()
    assert scheduler(sqs).postpone(ARN, postponements(23), AMPLE) == set()
    assert [len(entries) for _, entries in sqs.calls] == [10, 10, 3]
    url, entries = sqs.calls[0]
    assert url == f"{ENDPOINT}/123456789012/forwarder-events"
    assert entries[1] == {"Id": "1", "ReceiptHandle": "h1", "VisibilityTimeout": 11}


def test_entries_sqs_refused_are_returned() -> None:
    sqs = RecordingSqs(failing={"h1"})
    assert scheduler(sqs).postpone(ARN, postponements(3), AMPLE) == {"m1"}


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url=ENDPOINT),
        ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ChangeVisibility"),
    ],
)
def test_a_failed_call_returns_its_messages_instead_of_raising(error: Exception) -> None:
    sqs = RecordingSqs(raises=error)
    assert scheduler(sqs).postpone(ARN, postponements(2), AMPLE) == {"m0", "m1"}


def test_no_call_is_started_without_time_for_it() -> None:
    sqs = RecordingSqs()
    late = Deadline.in_seconds(0.0, 1.0)
    assert scheduler(sqs).postpone(ARN, postponements(2), late) == {"m0", "m1"}
    assert sqs.calls == []


def test_an_arn_that_names_no_queue_fails_every_message_without_a_call() -> None:
    sqs = RecordingSqs()
    assert scheduler(sqs).postpone("nonsense", postponements(2), AMPLE) == {"m0", "m1"}
    assert sqs.calls == []


def test_the_queue_url_keeps_every_letter_of_the_endpoint_host() -> None:
    assert queue_url_of(ARN, "https://SQS.EXAMPLE.BOX/") == (
        "https://SQS.EXAMPLE.BOX/123456789012/forwarder-events"
    )


def test_a_failed_call_does_not_stop_the_next_ten_being_tried() -> None:
    class FailingFirst(RecordingSqs):
        def change_message_visibility_batch(
            self,
            QueueUrl: str,  # noqa: N803
            Entries: list[dict[str, Any]],  # noqa: N803
        ) -> dict[str, Any]:
            if not self.calls:
                self.calls.append((QueueUrl, Entries))
                raise EndpointConnectionError(endpoint_url=ENDPOINT)
            return super().change_message_visibility_batch(QueueUrl, Entries)

    sqs = FailingFirst()
    failed = scheduler(sqs).postpone(ARN, postponements(12), AMPLE)
    assert failed == {f"m{i}" for i in range(10)}
    assert [len(entries) for _, entries in sqs.calls] == [10, 2]


def test_without_time_for_a_call_every_message_of_every_ten_is_returned() -> None:
    late = Deadline.in_seconds(0.0, 1.0)
    failed = scheduler(RecordingSqs()).postpone(ARN, postponements(12), late)
    assert failed == {f"m{i}" for i in range(12)}


def test_an_answer_without_failures_returns_nothing() -> None:
    class Terse(RecordingSqs):
        def change_message_visibility_batch(
            self,
            QueueUrl: str,  # noqa: N803
            Entries: list[dict[str, Any]],  # noqa: N803
        ) -> dict[str, Any]:
            return {"Successful": [{"Id": e["Id"]} for e in Entries]}

    assert scheduler(Terse()).postpone(ARN, postponements(2), AMPLE) == set()


def test_closing_the_scheduler_closes_the_client_a_retry_made() -> None:
    sqs = RecordingSqs()
    retries = scheduler(sqs)
    retries.postpone(ARN, postponements(1), AMPLE)

    retries.close()

    assert sqs.closed


def test_closing_a_scheduler_that_postponed_nothing_makes_no_client() -> None:
    made: list[RecordingSqs] = []

    def make() -> RecordingSqs:
        made.append(RecordingSqs())
        return made[-1]

    SqsRetryScheduler(make, worst_call_s=3.0).close()  # type: ignore[arg-type]
    assert made == []
