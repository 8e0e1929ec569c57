"""Alarms and outputs of the translated template."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import REQUIRED, TOPIC_ARN, Rendered, Template, parameter

pytestmark = pytest.mark.infrastructure

# alarm -> (namespace, metric, dimension, the resource it watches)
WATCHED = {
    "DeadLetterQueueDepthAlarm": (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "DeadLetterQueue"
    ),
    "InvalidMessageQueueDepthAlarm": (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "InvalidMessageQueue"
    ),
    "SourceQueueAgeAlarm": (
        "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "SourceQueue"
    ),
    "DeadLetterQueueAgeAlarm": (
        "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "DeadLetterQueue"
    ),
    # The forwarder's own metric, in its namespace, by Powertools' `service` dimension.
    "RetryRateAlarm": (
        "KafkaEventForwarder", "MessagesRetried", "service", "kafka-event-forwarder"
    ),
    "FunctionErrorsAlarm": ("AWS/Lambda", "Errors", "FunctionName", "ForwarderFunction"),
    "FunctionThrottlesAlarm": ("AWS/Lambda", "Throttles", "FunctionName", "ForwarderFunction"),
}  # fmt: skip


def _alarms(rendered: Rendered) -> dict[str, dict[str, Any]]:
    return {
        name: alarm["Properties"]
        for name, alarm in rendered.resources("AWS::CloudWatch::Alarm").items()
    }


def _watched_resource(alarm: dict[str, Any]) -> str:
    (dimension,) = alarm["Dimensions"]
    value = dimension["Value"]
    if isinstance(value, str):  # a parameter's value
        return value
    return str(value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0])


def test_alarms_watch_both_dead_letter_queues_queue_age_function_errors_and_throttles(
    plain: Rendered,
) -> None:
    watched = {
        name: (
            alarm["Namespace"],
            alarm["MetricName"],
            alarm["Dimensions"][0]["Name"],
            _watched_resource(alarm),
        )
        for name, alarm in _alarms(plain).items()
    }

    assert watched == WATCHED


@pytest.mark.parametrize(
    "name",
    [
        "DeadLetterQueueDepthAlarm",
        "InvalidMessageQueueDepthAlarm",
        "FunctionErrorsAlarm",
        "FunctionThrottlesAlarm",
    ],
)
def test_alarm_fires_on_the_first_occurrence(plain: Rendered, name: str) -> None:
    alarm = _alarms(plain)[name]

    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_queue_age_alarm_threshold_comes_from_a_parameter(translated: Template) -> None:
    rendered = Rendered(translated, {**REQUIRED, "OldestMessageAgeAlarmSeconds": "1200"})

    alarm = _alarms(rendered)["SourceQueueAgeAlarm"]

    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", "1200")


def test_dead_letter_age_alarm_fires_days_before_the_14_day_retention(plain: Rendered) -> None:
    alarm = _alarms(plain)["DeadLetterQueueAgeAlarm"]
    retention = plain.properties("DeadLetterQueue")["MessageRetentionPeriod"]

    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert int(alarm["Threshold"]) <= retention - 4 * 24 * 3600


def test_dead_letter_age_alarm_cannot_be_set_within_a_day_of_the_retention(
    translated: Template,
) -> None:
    spec = parameter(translated, "DeadLetterAgeAlarmSeconds")

    assert int(spec["MaxValue"]) <= 14 * 24 * 3600 - 24 * 3600


def test_retry_rate_alarm_fires_after_three_minutes_at_the_threshold(translated: Template) -> None:
    rendered = Rendered(translated, {**REQUIRED, "RetryRateAlarmThreshold": "7"})
    alarm = _alarms(rendered)["RetryRateAlarm"]

    assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"]) == ("Sum", 60, 3)
    assert alarm["DatapointsToAlarm"] == 3
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "GreaterThanOrEqualToThreshold",
        "7",
    )


def test_alarms_have_no_actions_without_a_topic(plain: Rendered) -> None:
    actions = [
        alarm.get(key) for alarm in _alarms(plain).values() for key in ("AlarmActions", "OKActions")
    ]

    assert actions == [None] * 2 * len(WATCHED)


def test_alarms_notify_the_given_topic(translated: Template) -> None:
    rendered = Rendered(translated, {**REQUIRED, "AlarmTopicArn": TOPIC_ARN})

    actions = {
        (name, key): tuple(alarm[key])
        for name, alarm in _alarms(rendered).items()
        for key in ("AlarmActions", "OKActions")
    }

    assert set(actions.values()) == {(TOPIC_ARN,)}
    assert len(actions) == 2 * len(WATCHED)


def test_outputs_give_the_queues_and_the_function(translated: Template) -> None:
    outputs = {name: output["Value"] for name, output in translated["Outputs"].items()}

    assert outputs == {
        "SourceQueueUrl": {"Ref": "SourceQueue"},
        "SourceQueueArn": {"Fn::GetAtt": ["SourceQueue", "Arn"]},
        "DeadLetterQueueUrl": {"Ref": "DeadLetterQueue"},
        "DeadLetterQueueArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
        "InvalidMessageQueueUrl": {"Ref": "InvalidMessageQueue"},
        "InvalidMessageQueueArn": {"Fn::GetAtt": ["InvalidMessageQueue", "Arn"]},
        "FunctionName": {"Ref": "ForwarderFunction"},
        "FunctionArn": {"Fn::GetAtt": ["ForwarderFunction", "Arn"]},
        "DashboardUrl": {
            "Fn::Sub": "https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home"
            "?region=${AWS::Region}#dashboards:name=${Dashboard}"
        },
    }
