"""Fixtures for the handler's integration tests: a fresh topic, queues and secret per test on
the real local stack, the forwarder's settings in the environment, and a fresh container."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handlers.local_context import LOCAL_POWERTOOLS_ENV, local_sqs_event
from handlers.wiring import reset_container
from local_stack import StackInfo
from tests.deployment import Deployment, provision

EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.fixture
def aws_env(stack: StackInfo, monkeypatch: pytest.MonkeyPatch) -> StackInfo:
    """Point boto3 at moto through AWS_ENDPOINT_URL, as a user of the local stack would."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.aws_endpoint_url)
    monkeypatch.setenv("AWS_REGION", stack.region)
    monkeypatch.setenv("AWS_DEFAULT_REGION", stack.region)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name, value in LOCAL_POWERTOOLS_ENV.items():
        monkeypatch.setenv(name, value)
    return stack


@pytest.fixture(autouse=True)
def fresh_container() -> Iterator[None]:
    """Each test is a new Lambda container: nothing cached from the one before."""
    reset_container()
    yield
    reset_container()


@pytest.fixture
def deploy(aws_env: StackInfo, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Build a deployment for a mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or NONE)."""

    def build(mechanism: str = "SCRAM-SHA-512", **overrides: str) -> Deployment:
        stack = aws_env
        bootstrap = stack.bootstrap.ssl if mechanism == "NONE" else stack.bootstrap.sasl_ssl
        return provision(
            stack,
            monkeypatch.setenv,
            prefix="t",
            bootstrap=bootstrap,
            mechanism=mechanism,
            env=overrides,
        )

    return build


def sqs_event(*bodies: str, prefix: str = "msg") -> dict[str, Any]:
    """A Lambda SQS event with one record per body."""
    return local_sqs_event(bodies, prefix)


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event
