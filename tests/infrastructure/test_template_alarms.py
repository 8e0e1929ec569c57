"""Alarms and outputs of the translated template."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import REQUIRED, TOPIC_ARN, Rendered, Template

pytestmark = pytest.mark.infrastructure

# metric -> (namespace, dimension, the resource it watches)
WATCHED = {
    "ApproximateNumberOfMessagesVisible": ("AWS/SQS", "QueueName", "DeadLetterQueue"),
    "ApproximateAgeOfOldestMessage": ("AWS/SQS", "QueueName", "SourceQueue"),
    "Errors": ("AWS/Lambda", "FunctionName", "ForwarderFunction"),
    "Throttles": ("AWS/Lambda", "FunctionName", "ForwarderFunction"),
}


def _alarms(rendered: Rendered) -> dict[str, dict[str, Any]]:
    return {
        alarm["Properties"]["MetricName"]: alarm["Properties"]
        for alarm in rendered.resources("AWS::CloudWatch::Alarm").values()
    }


def _watched_resource(alarm: dict[str, Any]) -> str:
    (dimension,) = alarm["Dimensions"]
    value = dimension["Value"]
    return str(value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0])


def test_alarms_watch_dlq_depth_queue_age_function_errors_and_throttles(plain: Rendered) -> None:
    alarms = _alarms(plain)

    watched = {
        metric: (alarm["Namespace"], alarm["Dimensions"][0]["Name"], _watched_resource(alarm))
        for metric, alarm in alarms.items()
    }

    assert watched == WATCHED


@pytest.mark.parametrize("metric", ["ApproximateNumberOfMessagesVisible", "Errors", "Throttles"])
def test_alarm_fires_on_the_first_occurrence(plain: Rendered, metric: str) -> None:
    alarm = _alarms(plain)[metric]

    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_queue_age_alarm_threshold_comes_from_a_parameter(translated: Template) -> None:
    rendered = Rendered(translated, {**REQUIRED, "OldestMessageAgeAlarmSeconds": "1200"})

    alarm = _alarms(rendered)["ApproximateAgeOfOldestMessage"]

    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", "1200")


def test_alarms_have_no_actions_without_a_topic(plain: Rendered) -> None:
    actions = [
        alarm.get(key) for alarm in _alarms(plain).values() for key in ("AlarmActions", "OKActions")
    ]

    assert actions == [None] * 8


def test_alarms_notify_the_given_topic(translated: Template) -> None:
    rendered = Rendered(translated, {**REQUIRED, "AlarmTopicArn": TOPIC_ARN})

    actions = {
        (metric, key): tuple(alarm[key])
        for metric, alarm in _alarms(rendered).items()
        for key in ("AlarmActions", "OKActions")
    }

    assert set(actions.values()) == {(TOPIC_ARN,)}
    assert len(actions) == 8


def test_outputs_give_the_queues_and_the_function(translated: Template) -> None:
    outputs = {name: output["Value"] for name, output in translated["Outputs"].items()}

    assert outputs == {
        "SourceQueueUrl": {"Ref": "SourceQueue"},
        "SourceQueueArn": {"Fn::GetAtt": ["SourceQueue", "Arn"]},
        "DeadLetterQueueUrl": {"Ref": "DeadLetterQueue"},
        "DeadLetterQueueArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
        "FunctionName": {"Ref": "ForwarderFunction"},
        "FunctionArn": {"Fn::GetAtt": ["ForwarderFunction", "Arn"]},
        "DashboardUrl": {
            "Fn::Sub": "https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home"
            "?region=${AWS::Region}#dashboards:name=${Dashboard}"
        },
    }
