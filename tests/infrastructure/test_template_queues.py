"""The source queue, the dead-letter queue and the SQS event source of the translated template."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import REQUIRED, Rendered, Template, load_source, parameter

pytestmark = pytest.mark.infrastructure

FUNCTION_TIMEOUT = parameter(load_source(), "FunctionTimeout")


def _event_source(rendered: Rendered) -> dict[str, Any]:
    (mapping,) = rendered.resources("AWS::Lambda::EventSourceMapping").values()
    properties: dict[str, Any] = mapping["Properties"]
    return properties


@pytest.mark.parametrize(
    "timeout", sorted({*FUNCTION_TIMEOUT["AllowedValues"], FUNCTION_TIMEOUT["Default"]})
)
def test_visibility_timeout_is_at_least_six_times_the_function_timeout(
    translated: Template, timeout: int
) -> None:
    rendered = Rendered(translated, {**REQUIRED, "FunctionTimeout": str(timeout)})

    function_timeout = int(rendered.properties("ForwarderFunction")["Timeout"])
    visibility = int(rendered.properties("SourceQueue")["VisibilityTimeout"])

    assert function_timeout == timeout
    assert visibility >= 6 * function_timeout
    assert visibility <= 43_200  # the SQS maximum (12 hours)


def test_function_timeout_is_a_closed_set_so_the_visibility_mapping_covers_it(
    translated: Template,
) -> None:
    allowed = {str(value) for value in FUNCTION_TIMEOUT["AllowedValues"]}

    assert str(FUNCTION_TIMEOUT["Default"]) in allowed
    assert set(translated["Mappings"]["VisibilityTimeout"]) == allowed


def test_max_receive_count_defaults_to_at_least_5_and_cannot_be_set_below_5(
    translated: Template,
) -> None:
    spec = parameter(translated, "MaxReceiveCount")

    assert int(spec["Default"]) >= 5
    assert int(spec["MinValue"]) >= 5


def test_source_queue_redrives_to_the_dead_letter_queue_after_max_receive_count(
    translated: Template,
) -> None:
    rendered = Rendered(translated, {**REQUIRED, "MaxReceiveCount": "8"})

    redrive = rendered.properties("SourceQueue")["RedrivePolicy"]

    assert redrive == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
        "maxReceiveCount": "8",
    }


@pytest.mark.parametrize("queue", ["SourceQueue", "DeadLetterQueue", "InvalidMessageQueue"])
def test_queue_is_encrypted_at_rest(plain: Rendered, queue: str) -> None:
    properties = plain.properties(queue)

    assert properties.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in properties


SENDERS = "arn:aws:iam::111122223333:root,arn:aws:iam::111122223333:role/sender"


def test_without_senders_the_queue_policy_grants_nothing(plain: Rendered) -> None:
    (policy,) = plain.resources("AWS::SQS::QueuePolicy").values()

    statements = policy["Properties"]["PolicyDocument"]["Statement"]

    assert [s["Effect"] for s in statements] == ["Deny"]


def test_listed_senders_may_send_to_the_source_queue_over_tls_only(translated: Template) -> None:
    rendered = Rendered(translated, {**REQUIRED, "SenderPrincipalArns": SENDERS})
    (policy,) = rendered.resources("AWS::SQS::QueuePolicy").values()

    _, grant = policy["Properties"]["PolicyDocument"]["Statement"]

    assert grant["Effect"] == "Allow"
    assert grant["Principal"] == {"AWS": SENDERS.split(",")}
    assert grant["Action"] == "sqs:SendMessage"
    assert grant["Resource"] == {"Fn::GetAtt": ["SourceQueue", "Arn"]}
    assert grant["Condition"] == {"Bool": {"aws:SecureTransport": "true"}}


def test_queues_refuse_access_without_tls(plain: Rendered) -> None:
    (policy,) = plain.resources("AWS::SQS::QueuePolicy").values()

    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]

    assert policy["Properties"]["Queues"] == [
        {"Ref": "SourceQueue"},
        {"Ref": "DeadLetterQueue"},
        {"Ref": "InvalidMessageQueue"},
    ]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize("queue", ["DeadLetterQueue", "InvalidMessageQueue"])
def test_dead_letters_are_kept_for_14_days(plain: Rendered, queue: str) -> None:
    assert plain.properties(queue)["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_invalid_messages_go_to_their_own_queue_not_the_redrive_target(plain: Rendered) -> None:
    variables = plain.properties("ForwarderFunction")["Environment"]["Variables"]
    redrive = plain.properties("SourceQueue")["RedrivePolicy"]

    assert variables["DEAD_LETTER_QUEUE_URL"] == {"Ref": "InvalidMessageQueue"}
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}


def test_source_queue_keeps_messages_less_long_than_the_dead_letter_queue(
    plain: Rendered,
) -> None:
    source = plain.properties("SourceQueue").get("MessageRetentionPeriod", 345_600)

    assert source < plain.properties("DeadLetterQueue")["MessageRetentionPeriod"]


@pytest.mark.parametrize("queue", ["SourceQueue", "DeadLetterQueue", "InvalidMessageQueue"])
def test_queue_is_kept_when_the_stack_is_deleted(translated: Template, queue: str) -> None:
    resource = translated["Resources"][queue]

    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"


def test_event_source_reports_batch_item_failures(plain: Rendered) -> None:
    assert _event_source(plain)["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_event_source_reads_the_source_queue(plain: Rendered) -> None:
    mapping = _event_source(plain)

    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["SourceQueue", "Arn"]}
    assert mapping["FunctionName"] == {"Ref": "ForwarderFunction"}


def test_event_source_batching_and_concurrency_come_from_parameters(
    translated: Template,
) -> None:
    rendered = Rendered(
        translated,
        {
            **REQUIRED,
            "BatchSize": "250",
            "MaximumBatchingWindowInSeconds": "3",
            "MaximumConcurrency": "7",
        },
    )

    mapping = _event_source(rendered)

    assert mapping["BatchSize"] == "250"
    assert mapping["MaximumBatchingWindowInSeconds"] == "3"
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": "7"}
