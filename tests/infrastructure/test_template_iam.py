"""Least privilege: what the function's role may do, on which resources, under which conditions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.cfn import (
    KMS_KEY_ARN,
    REGION,
    SECRET_ARN,
    TEMPLATE,
    Rendered,
    as_list,
    statements,
)

pytestmark = pytest.mark.infrastructure

# Actions AWS grants only on Resource "*" (no resource-level permissions), with the reason.
WILDCARD_ONLY_ACTIONS = {
    # X-Ray: trace segments and sampling are not resources.
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
    # Lambda's network interfaces in a VPC (AWS's AWSLambdaVPCAccessExecutionRole statement).
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}
BASIC_EXECUTION_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def _granting(rendered: Rendered, action: str) -> list[dict[str, Any]]:
    return [
        statement
        for statement in statements(rendered)
        if statement["Effect"] == "Allow" and action in as_list(statement["Action"])
    ]


def _role(rendered: Rendered) -> dict[str, Any]:
    (role,) = rendered.resources("AWS::IAM::Role").values()
    properties: dict[str, Any] = role["Properties"]
    return properties


def test_function_uses_the_templates_own_role(plain: Rendered) -> None:
    assert plain.properties("ForwarderFunction")["Role"] == {
        "Fn::GetAtt": ["ForwarderFunctionRole", "Arn"]
    }


def test_only_the_basic_execution_role_is_attached_as_a_managed_policy(
    everything: Rendered,
) -> None:
    # SAM's generated role would add AWSLambdaSQSQueueExecutionRole (every queue of the account).
    assert _role(everything)["ManagedPolicyArns"] == [BASIC_EXECUTION_ROLE]


def test_no_statement_has_a_wildcard_resource_except_for_wildcard_only_actions(
    everything: Rendered,
) -> None:
    wildcard_actions = {
        action
        for statement in statements(everything)
        if statement["Effect"] == "Allow"
        and ("*" in as_list(statement.get("Resource", [])) or "NotResource" in statement)
        for action in as_list(statement["Action"])
    }

    assert wildcard_actions <= WILDCARD_ONLY_ACTIONS


def test_no_statement_allows_a_wildcard_action(everything: Rendered) -> None:
    actions = {
        action
        for statement in statements(everything)
        if statement["Effect"] == "Allow"
        for action in as_list(statement.get("Action", ["NotAction"]))
    }

    assert [action for action in actions if "*" in action or action == "NotAction"] == []


def test_every_wildcard_resource_in_the_template_has_a_comment_saying_why() -> None:
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()

    uncommented = [
        number + 1
        for number, line in enumerate(lines)
        if re.fullmatch(r"\s*Resource: \"\*\".*", line)
        and not any("Wildcard allowed" in above for above in lines[max(0, number - 4) : number])
    ]

    assert uncommented == []


def test_get_secret_value_is_allowed_on_exactly_the_configured_secret(plain: Rendered) -> None:
    (statement,) = _granting(plain, "secretsmanager:GetSecretValue")

    assert statement["Resource"] == SECRET_ARN
    assert as_list(statement["Action"]) == ["secretsmanager:GetSecretValue"]


def test_no_secret_access_without_a_secret(translated: dict[str, Any]) -> None:
    rendered = Rendered(
        translated,
        {"KafkaBootstrapServers": "b:9094", "KafkaTopic": "t", "KafkaAuthMethod": "NONE"},
    )

    assert _granting(rendered, "secretsmanager:GetSecretValue") == []


def test_kms_decrypt_is_allowed_on_the_given_key_only_through_secrets_manager(
    everything: Rendered,
) -> None:
    (statement,) = _granting(everything, "kms:Decrypt")

    assert statement["Resource"] == KMS_KEY_ARN
    assert statement["Condition"] == {
        "StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}
    }


def test_no_kms_decrypt_without_a_key(plain: Rendered) -> None:
    assert _granting(plain, "kms:Decrypt") == []


def test_send_message_is_allowed_on_the_invalid_message_queue_only(everything: Rendered) -> None:
    # The redrive dead-letter queue is written by SQS alone, never by the forwarder.
    (statement,) = _granting(everything, "sqs:SendMessage")

    assert statement["Resource"] == {"Fn::GetAtt": ["InvalidMessageQueue", "Arn"]}


def test_polling_is_allowed_on_the_source_queue_only(everything: Rendered) -> None:
    (statement,) = _granting(everything, "sqs:ReceiveMessage")

    assert statement["Resource"] == {"Fn::GetAtt": ["SourceQueue", "Arn"]}
    assert set(as_list(statement["Action"])) == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
    }


def test_network_interface_permissions_exist_only_in_a_vpc(
    plain: Rendered, everything: Rendered
) -> None:
    assert _granting(plain, "ec2:CreateNetworkInterface") == []
    assert len(_granting(everything, "ec2:CreateNetworkInterface")) == 1
