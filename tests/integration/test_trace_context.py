"""The `traceparent` header through the real broker (docs/contract.md#trace-context): from the
SQS message's AWSTraceHeader, else the invocation's trace, and none when the setting is off."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_stack import read_topic
from tests.support.deployment import Deployment
from tests.support.events import sqs_event

pytestmark = pytest.mark.integration

MESSAGE_TRACE = "Root=1-6750a1b2-0123456789abcdef01234567;Parent=1a2b3c4d5e6f7a8b;Sampled=1"
MESSAGE_TRACEPARENT = b"00-6750a1b20123456789abcdef01234567-1a2b3c4d5e6f7a8b-01"
FUNCTION_TRACE = "Root=1-6750a1b3-fedcba9876543210fedcba98;Parent=8b7a6f5e4d3c2b1a;Sampled=0"
FUNCTION_TRACEPARENT = b"00-6750a1b3fedcba9876543210fedcba98-8b7a6f5e4d3c2b1a-00"
BATCH = json.dumps(
    {
        "mpid": 5,
        "events": [
            {"event_type": "screen_view", "data": {"screen_name": "home"}},
            {"event_type": "custom_event", "data": {"event_name": "tap"}},
        ],
    }
)


def traced_event() -> dict[str, Any]:
    """Two messages: `msg-0` sent with an X-Ray trace, `msg-1` without one."""
    event = sqs_event(BATCH, BATCH)
    event["Records"][0]["attributes"]["AWSTraceHeader"] = MESSAGE_TRACE
    return event


def traceparents(deployment: Deployment) -> dict[str, set[bytes | None]]:
    """Message id → the traceparent values of its records in the topic."""
    found: dict[str, set[bytes | None]] = {}
    for record in read_topic(deployment.stack, deployment.topic, timeout_s=10):
        headers = dict(record.headers)
        message_id = headers["x-forwarder-dedup-id"].decode().rsplit(":", 1)[0]
        found.setdefault(message_id, set()).add(headers.get("traceparent"))
    return found


def test_records_carry_their_messages_trace_else_the_invocations(
    deploy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = deploy("SCRAM-SHA-512", SEND_AS_BATCH="false")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", FUNCTION_TRACE)
    assert deployment.invoke(traced_event()) == {"batchItemFailures": []}
    assert traceparents(deployment) == {
        "msg-0": {MESSAGE_TRACEPARENT},
        "msg-1": {FUNCTION_TRACEPARENT},
    }


def test_without_any_trace_records_have_no_traceparent(
    deploy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = deploy("SCRAM-SHA-512")
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    assert deployment.invoke(sqs_event(BATCH)) == {"batchItemFailures": []}
    assert traceparents(deployment) == {"msg-0": {None}}


def test_the_setting_off_sends_no_traceparent(deploy: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    deployment = deploy("SCRAM-SHA-512", KAFKA_TRACE_HEADER="false")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", FUNCTION_TRACE)
    assert deployment.invoke(traced_event()) == {"batchItemFailures": []}
    assert traceparents(deployment) == {"msg-0": {None}, "msg-1": {None}}
