"""The function's logs: JSON lines, into the stack's own log group, kept for a set time and
deleted with the stack."""

from __future__ import annotations

import pytest

from tests.support.cfn import REQUIRED, STACK_NAME, Rendered, Template, parameter

pytestmark = pytest.mark.infrastructure

FUNCTION = "ForwarderFunction"
LOG_GROUP = "ForwarderLogGroup"
# The values CloudWatch Logs accepts for RetentionInDays (PutRetentionPolicy).
CLOUDWATCH_RETENTION_DAYS = {
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
}  # fmt: skip


def test_function_writes_json_log_lines(plain: Rendered) -> None:
    assert plain.properties(FUNCTION)["LoggingConfig"]["LogFormat"] == "JSON"


def test_function_logs_into_the_stacks_log_group(plain: Rendered) -> None:
    # A Ref: CloudFormation creates the group before the function, so Lambda never creates it.
    assert plain.properties(FUNCTION)["LoggingConfig"]["LogGroup"] == {"Ref": LOG_GROUP}


def test_log_group_has_the_name_lambda_gives_the_functions_log(plain: Rendered) -> None:
    assert plain.properties(FUNCTION)["FunctionName"] == STACK_NAME
    assert plain.properties(LOG_GROUP)["LogGroupName"] == f"/aws/lambda/{STACK_NAME}"


def test_log_group_is_deleted_with_the_stack(translated: Template) -> None:
    group = translated["Resources"][LOG_GROUP]

    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Delete", "Delete")


def test_log_retention_defaults_to_30_days(plain: Rendered) -> None:
    assert plain.properties(LOG_GROUP)["RetentionInDays"] == "30"


def test_log_retention_is_set_by_its_parameter(translated: Template) -> None:
    rendered = Rendered(translated, {**REQUIRED, "LogRetentionDays": "365"})

    assert rendered.properties(LOG_GROUP)["RetentionInDays"] == "365"


def test_log_retention_allows_exactly_cloudwatch_retention_periods(source: Template) -> None:
    allowed = parameter(source, "LogRetentionDays")["AllowedValues"]

    assert set(allowed) == CLOUDWATCH_RETENTION_DAYS


@pytest.mark.parametrize(
    ("log_level", "lambda_level"),
    [
        ("DEBUG", "DEBUG"),
        ("INFO", "INFO"),
        ("WARNING", "WARN"),
        ("ERROR", "ERROR"),
        ("CRITICAL", "FATAL"),
    ],
)
def test_lambdas_application_log_level_follows_the_log_level(
    translated: Template, log_level: str, lambda_level: str
) -> None:
    # Powertools takes Lambda's level first, and Lambda drops JSON lines below it.
    rendered = Rendered(translated, {**REQUIRED, "LogLevel": log_level})

    assert rendered.properties(FUNCTION)["LoggingConfig"]["ApplicationLogLevel"] == lambda_level


def test_every_log_level_has_an_application_log_level(source: Template) -> None:
    allowed = parameter(source, "LogLevel")["AllowedValues"]

    assert set(source["Mappings"]["ApplicationLogLevel"]) == set(allowed)
