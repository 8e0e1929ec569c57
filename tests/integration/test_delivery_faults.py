"""Faults of the delivery path on the real stack: a topic that does not exist is never created,
and what the forwarder reports for it."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest

from handlers.observability import logger
from local_stack import list_topics
from tests.support.events import sqs_event

pytestmark = pytest.mark.integration

VALID_BATCH = json.dumps({"mpid": 42, "events": [{"event_type": "custom_event"}]})


def test_a_mistyped_topic_is_not_created_and_its_messages_are_retried_as_unknown_topic(
    deploy: Any, caplog: pytest.LogCaptureFixture
) -> None:
    missing = f"mparticle-evnets-{uuid.uuid4().hex[:8]}"
    deployment = deploy("SCRAM-SHA-512", KAFKA_TOPIC=missing)
    with caplog.at_level(logging.INFO):
        response = deployment.invoke(sqs_event(VALID_BATCH, VALID_BATCH), timeout_s=20.0)
    assert response == {
        "batchItemFailures": [{"itemIdentifier": "msg-0"}, {"itemIdentifier": "msg-1"}]
    }
    assert missing not in list_topics(deployment.stack)
    output = "\n".join(logger.registered_handler.format(r) for r in caplog.records)
    entries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    [error] = [e for e in entries if e.get("message", "").startswith("topic cannot be written")]
    assert (error["level"], error["topic"], error["reason"]) == ("ERROR", missing, "unknown_topic")
    [summary] = [e for e in entries if e.get("message") == "invocation done"]
    assert summary["secret_refreshes"] == 0
