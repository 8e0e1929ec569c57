"""The queues' options (docs/deploy.md#queues): a FIFO source queue with FIFO dead-letter queues,
a customer-managed KMS key, and a dead-letter queue only the source queue may use."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import ACCOUNT, REGION, REQUIRED, STACK_NAME, Rendered, Template, statements

pytestmark = pytest.mark.infrastructure

QUEUES = ["SourceQueue", "DeadLetterQueue", "InvalidMessageQueue"]
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FIFO = {**REQUIRED, "QueueType": "fifo", "BatchSize": "10", "MaximumBatchingWindowInSeconds": "0"}


def _mapping(rendered: Rendered) -> dict[str, Any]:
    (mapping,) = rendered.resources("AWS::Lambda::EventSourceMapping").values()
    properties: dict[str, Any] = mapping["Properties"]
    return properties


def _kms_grants(rendered: Rendered) -> list[dict[str, Any]]:
    return [s for s in statements(rendered) if s.get("Sid") == "UseQueueKmsKey"]


@pytest.mark.parametrize("queue", QUEUES)
def test_with_queue_type_fifo_every_queue_is_fifo(translated: Template, queue: str) -> None:
    properties = Rendered(translated, FIFO).properties(queue)
    assert properties["FifoQueue"] is True
    assert properties["QueueName"].endswith(".fifo")


@pytest.mark.parametrize("queue", QUEUES)
def test_by_default_every_queue_is_standard(plain: Rendered, queue: str) -> None:
    assert "FifoQueue" not in plain.properties(queue)


def test_the_fifo_source_and_redrive_queues_deduplicate_by_content(translated: Template) -> None:
    rendered = Rendered(translated, FIFO)
    assert rendered.properties("SourceQueue")["ContentBasedDeduplication"] is True
    assert rendered.properties("DeadLetterQueue")["ContentBasedDeduplication"] is True


def test_the_fifo_invalid_message_queue_takes_the_forwarders_deduplication_ids(
    translated: Template,
) -> None:
    assert "ContentBasedDeduplication" not in Rendered(translated, FIFO).properties(
        "InvalidMessageQueue"
    )


def test_a_fifo_event_source_has_no_batching_window(translated: Template) -> None:
    assert "MaximumBatchingWindowInSeconds" not in _mapping(Rendered(translated, FIFO))


@pytest.mark.parametrize(
    ("values", "holds"),
    [
        ({}, True),
        ({"BatchSize": "11"}, False),
        ({"MaximumBatchingWindowInSeconds": "1"}, False),
    ],
)
def test_a_fifo_event_source_takes_at_most_10_messages_and_no_batching_window(
    translated: Template, values: dict[str, str], holds: bool
) -> None:
    assert Rendered(translated, {**FIFO, **values}).rule_holds("FifoEventSource") is holds


def test_the_fifo_rule_does_not_bind_a_standard_queue(plain: Rendered) -> None:
    assert plain.parameters["BatchSize"] == "100"
    assert plain.rule_holds("FifoEventSource")


@pytest.mark.parametrize("queue", QUEUES)
def test_a_given_kms_key_encrypts_every_queue(translated: Template, queue: str) -> None:
    properties = Rendered(translated, {**REQUIRED, "QueueKmsKeyArn": KEY}).properties(queue)
    assert properties["KmsMasterKeyId"] == KEY
    assert "SqsManagedSseEnabled" not in properties


@pytest.mark.parametrize("queue", QUEUES)
def test_without_a_kms_key_every_queue_uses_sqs_managed_keys(plain: Rendered, queue: str) -> None:
    properties = plain.properties(queue)
    assert properties["SqsManagedSseEnabled"] is True
    assert "KmsMasterKeyId" not in properties


def test_the_function_may_use_the_queues_kms_key_only_when_one_is_given(
    translated: Template, plain: Rendered
) -> None:
    (grant,) = _kms_grants(Rendered(translated, {**REQUIRED, "QueueKmsKeyArn": KEY}))
    assert grant["Effect"] == "Allow"
    assert sorted(grant["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert grant["Resource"] == KEY
    assert _kms_grants(plain) == []


@pytest.mark.parametrize(("values", "suffix"), [(REQUIRED, ""), (FIFO, ".fifo")])
def test_only_the_source_queue_may_use_the_dead_letter_queue(
    translated: Template, values: dict[str, Any], suffix: str
) -> None:
    rendered = Rendered(translated, values)
    name = rendered.properties("SourceQueue")["QueueName"]
    policy = rendered.properties("DeadLetterQueue")["RedriveAllowPolicy"]
    assert name == f"{STACK_NAME}-events{suffix}"
    assert policy == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"],
    }
