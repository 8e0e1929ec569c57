"""`forwarder check` on the local stack (docs/operations.md#forwarder-check): every step passes
for a good deployment, and each failure class stops at the step that names it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from handlers.check import CHECK_EVENT, run_check
from handlers.lambda_handler import handler
from handlers.local.context import LocalContext
from local_stack import StackInfo, allow_only, create_topic

pytestmark = pytest.mark.integration


def steps_of(result: dict[str, Any]) -> list[str]:
    return [step["name"] for step in result["steps"]]


def last(result: dict[str, Any]) -> dict[str, Any]:
    step: dict[str, Any] = result["steps"][-1]
    return step


def routed_topics(stack: StackInfo, *, created: int) -> list[str]:
    """Two fresh topic names, the first `created` of them created."""
    suffix = uuid.uuid4().hex[:8]
    names = [f"check-commerce-{suffix}", f"check-views-{suffix}"]
    for name in names[:created]:
        create_topic(stack, name, partitions=1)
    return names


def routes_to(topics: list[str]) -> str:
    return f"commerce_event={topics[0]},screen_view={topics[1]},custom_event={topics[0]}"


def test_every_step_passes_on_the_local_stack(deploy: Any, stack: StackInfo) -> None:
    deployment = deploy("SCRAM-SHA-512")
    topic = deployment.topic
    result = run_check()
    port = stack.bootstrap.sasl_ssl.rsplit(":", 1)[1]
    assert result["ok"] is True
    assert steps_of(result) == [
        "settings",
        "secret",
        "dns localhost",
        f"tcp localhost:{port}",
        f"tls localhost:{port}",
        "authentication",
        f"topic {topic}",
        f"topic limit {topic}",
        f"write permission {topic}",
        "dead-letter queue",
    ]


def test_every_routed_topic_is_checked_by_name_after_kafka_topic(
    deploy: Any, stack: StackInfo
) -> None:
    routed = routed_topics(stack, created=2)
    deployment = deploy("SCRAM-SHA-512", KAFKA_TOPIC_ROUTES=routes_to(routed))
    result = run_check()
    assert result["ok"] is True
    checked = [name for name in steps_of(result) if name.startswith("write permission ")]
    assert checked == [f"write permission {topic}" for topic in (deployment.topic, *routed)]


def test_a_missing_routed_topic_fails_the_check_naming_it(deploy: Any, stack: StackInfo) -> None:
    routed = routed_topics(stack, created=1)
    deploy("SCRAM-SHA-512", KAFKA_TOPIC_ROUTES=routes_to(routed))
    result = run_check()
    step = last(result)
    assert (result["ok"], step["name"], step["ok"]) == (False, f"topic {routed[1]}", False)
    assert step["detail"] == f"{routed[1]} does not exist"


def test_a_routed_topic_without_write_fails_at_its_write_permission(
    deploy: Any, stack: StackInfo
) -> None:
    routed = routed_topics(stack, created=2)
    deploy("SCRAM-SHA-512", KAFKA_TOPIC_ROUTES=routes_to(routed))
    allow_only(stack, routed[1], stack.credentials("SCRAM-SHA-512").username, ("DESCRIBE",))
    step = last(run_check())
    assert (step["name"], step["ok"]) == (f"write permission {routed[1]}", False)
    assert routed[1] in step["detail"]


def test_a_wrong_password_fails_at_authentication(deploy: Any, stack: StackInfo) -> None:
    user = stack.credentials("SCRAM-SHA-512").username
    deploy("SCRAM-SHA-512", secret={"username": user, "password": "wrong-password-canary"})
    result = run_check()
    assert (result["ok"], last(result)["name"]) == (False, "authentication")
    assert "wrong-password-canary" not in json.dumps(result)


def test_an_untrusted_ca_fails_at_tls(deploy: Any, stack: StackInfo) -> None:
    deploy("SCRAM-SHA-512", KAFKA_CA_BUNDLE=stack.rogue_ca_file)
    step = last(run_check())
    assert step["name"].startswith("tls ")
    assert not step["ok"]
    assert "KAFKA_CA_BUNDLE" in step["hint"]


def test_a_wrong_host_name_fails_at_tls(deploy: Any, stack: StackInfo) -> None:
    deploy("SCRAM-SHA-512", KAFKA_BOOTSTRAP_SERVERS=stack.bootstrap.wronghost)
    step = last(run_check())
    assert step["name"].startswith("tls ")
    assert not step["ok"]
    assert "Hostname mismatch" in step["detail"]


def test_a_missing_topic_fails_at_topic(deploy: Any) -> None:
    deploy("SCRAM-SHA-512", KAFKA_TOPIC="no-such-topic-for-check")
    step = last(run_check())
    assert (step["name"], step["ok"]) == ("topic no-such-topic-for-check", False)


def test_a_topic_limit_below_the_record_limit_fails_at_topic_limit(deploy: Any) -> None:
    deployment = deploy("SCRAM-SHA-512", KAFKA_MAX_MESSAGE_BYTES="2000000")
    step = last(run_check())
    assert (step["name"], step["ok"]) == (f"topic limit {deployment.topic}", False)


def test_a_principal_without_write_on_the_topic_fails_at_write_permission(
    deploy: Any, stack: StackInfo
) -> None:
    deployment = deploy("SCRAM-SHA-512")
    user = stack.credentials("SCRAM-SHA-512").username
    allow_only(stack, deployment.topic, user, ("READ", "DESCRIBE"))
    step = last(run_check())
    assert (step["name"], step["ok"]) == (f"write permission {deployment.topic}", False)
    assert "WRITE" in step["hint"]


def test_a_missing_dead_letter_queue_fails_at_the_last_step(deploy: Any, stack: StackInfo) -> None:
    deploy("SCRAM-SHA-512", DEAD_LETTER_QUEUE_URL=f"{stack.aws_endpoint_url}/123456789012/none")
    step = last(run_check())
    assert (step["name"], step["ok"]) == ("dead-letter queue", False)


def test_the_function_runs_the_check_for_a_check_event(deploy: Any) -> None:
    deploy("SCRAM-SHA-512")
    response = handler(dict(CHECK_EVENT), LocalContext(timeout_s=30))
    assert response["ok"] is True
    assert last(response)["name"] == "dead-letter queue"


def test_the_command_prints_json_and_exits_1_at_a_failure(deploy: Any) -> None:
    deployment = deploy("SCRAM-SHA-512", KAFKA_TOPIC="no-such-topic-for-check")
    command = Path(sys.executable).parent / "forwarder"
    done = subprocess.run(
        [str(command), "check", "--json"],
        env=os.environ | deployment.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert last(json.loads(done.stdout))["name"] == "topic no-such-topic-for-check"
