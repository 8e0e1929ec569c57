"""Fixtures for the handler's integration tests: a fresh topic, queues and secret per test on
the real local stack, the forwarder's settings in the environment, and a fresh container."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from handlers.lambda_handler import handler
from handlers.local_context import LOCAL_POWERTOOLS_ENV, LocalContext, local_sqs_event
from handlers.wiring import reset_container
from stack import StackInfo, create_topic
from stack.queues import peek_queue

EVENTS = Path(__file__).resolve().parents[2] / "events"


@dataclass
class Deployment:
    """One test's forwarder: its topic, queues, secret, and the environment it runs with."""

    stack: StackInfo
    topic: str
    queue_url: str
    dlq_url: str
    secret_id: str
    env: dict[str, str]
    sqs: Any
    secrets: Any

    def invoke(self, event: dict[str, Any], timeout_s: float = 30.0) -> Any:
        return handler(event, LocalContext(timeout_s=timeout_s))

    def dead_letters(self) -> list[dict[str, Any]]:
        return peek_queue(self.sqs, self.dlq_url)


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
        name = f"t-{uuid.uuid4().hex[:12]}"
        create_topic(stack, name, partitions=3)
        sqs = boto3.client("sqs")
        secrets = boto3.client("secretsmanager")
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
        redrive = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 5}
        queue_url = sqs.create_queue(
            QueueName=name, Attributes={"RedrivePolicy": json.dumps(redrive)}
        )["QueueUrl"]
        user = stack.credentials("SCRAM-SHA-512" if mechanism == "NONE" else mechanism)
        secret_id = secrets.create_secret(
            Name=f"{name}/kafka",
            SecretString=json.dumps({"username": user.username, "password": user.password}),
        )["ARN"]
        bootstrap = stack.bootstrap.ssl if mechanism == "NONE" else stack.bootstrap.sasl_ssl
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "KAFKA_TOPIC": name,
            "KAFKA_AUTH_METHOD": mechanism,
            "KAFKA_SECRET_ID": secret_id,
            "KAFKA_CA_BUNDLE": stack.ca_file,
            "DEAD_LETTER_QUEUE_URL": dlq_url,
        } | overrides
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return Deployment(stack, name, queue_url, dlq_url, secret_id, env, sqs, secrets)

    return build


def sqs_event(*bodies: str, prefix: str = "msg") -> dict[str, Any]:
    """A Lambda SQS event with one record per body."""
    return local_sqs_event(bodies, prefix)


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event
