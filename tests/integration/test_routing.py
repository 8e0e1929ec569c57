"""Routing by event type through the real broker (docs/contract.md#routing-by-event-type)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from local_stack import StackInfo, create_topic, read_topic
from tests.support.events import sqs_event

pytestmark = pytest.mark.integration

BATCH = json.dumps(
    {
        "mpid": 3,
        "events": [
            {"event_type": "custom_event", "data": {"n": 0}},
            {"event_type": "commerce_event", "data": {"n": 1}},
            {"event_type": "screen_view", "data": {"n": 2}},
            {"event_type": "commerce_event", "data": {"n": 3}},
        ],
    }
)


def routed_topics(stack: StackInfo) -> dict[str, str]:
    """Two fresh topics, for commerce events and screen views."""
    suffix = uuid.uuid4().hex[:8]
    topics = {"commerce_event": f"commerce-{suffix}", "screen_view": f"views-{suffix}"}
    for topic in topics.values():
        create_topic(stack, topic, partitions=1)
    return topics


def routes(topics: dict[str, str]) -> str:
    return ",".join(f"{event_type}={topic}" for event_type, topic in topics.items())


def events_in(stack: StackInfo, topic: str) -> list[list[int]]:
    """The `n` of the events of each record of `topic`, in dedup-id order."""
    found = read_topic(stack, topic, timeout_s=10)
    found.sort(key=lambda record: dict(record.headers)["x-forwarder-dedup-id"])
    return [[event["data"]["n"] for event in json.loads(r.value)["events"]] for r in found]


def test_per_event_records_arrive_in_their_types_topics(deploy: Any, aws_env: StackInfo) -> None:
    topics = routed_topics(aws_env)
    deployment = deploy("SCRAM-SHA-512", SEND_AS_BATCH="false", KAFKA_TOPIC_ROUTES=routes(topics))
    assert deployment.invoke(sqs_event(BATCH)) == {"batchItemFailures": []}
    assert events_in(aws_env, deployment.topic) == [[0]]
    assert events_in(aws_env, topics["commerce_event"]) == [[1], [3]]
    assert events_in(aws_env, topics["screen_view"]) == [[2]]


def test_a_batch_arrives_as_one_record_per_destination_topic(
    deploy: Any, aws_env: StackInfo
) -> None:
    topics = routed_topics(aws_env)
    deployment = deploy("SCRAM-SHA-512", KAFKA_TOPIC_ROUTES=routes(topics))
    assert deployment.invoke(sqs_event(BATCH)) == {"batchItemFailures": []}
    assert events_in(aws_env, deployment.topic) == [[0]]
    assert events_in(aws_env, topics["commerce_event"]) == [[1, 3]]
    assert events_in(aws_env, topics["screen_view"]) == [[2]]


def test_a_missing_routed_topic_leaves_the_message_for_retry(deploy: Any) -> None:
    deployment = deploy(
        "SCRAM-SHA-512", KAFKA_TOPIC_ROUTES=f"screen_view=missing-{uuid.uuid4().hex[:8]}"
    )
    response = deployment.invoke(sqs_event(BATCH), timeout_s=10)
    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
