"""One test's forwarder on the local stack: a fresh topic, a source queue whose redrive policy
moves a message to its dead-letter queue after MAX_RECEIVE_COUNT receives, a secret with a
broker user's credentials, and the settings that point the handler at them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3

from handlers.lambda_handler import handler
from handlers.local.context import LOCAL_POWERTOOLS_ENV, LocalContext
from handlers.local.event_source_mapping import queue_depth
from local_stack import StackInfo, create_topic, env_vars
from local_stack.lifecycle import LOCAL_BACKOFF
from local_stack.queues import create_invalid_queue, create_queue_pair, peek_queue


def aws_environment(stack: StackInfo) -> dict[str, str]:
    """What a test on the local stack puts in the environment before boto3 or the handler run:
    AWS_ENDPOINT_URL, the region and dummy credentials of the stack's moto (boto3 finds moto as
    a user of the local stack would), and the Powertools variables Lambda would set."""
    aws = {name: value for name, value in env_vars(stack).items() if name.startswith("AWS_")}
    return aws | LOCAL_POWERTOOLS_ENV


@dataclass
class Deployment:
    stack: StackInfo
    topic: str
    queue_url: str
    dlq_url: str
    secret_id: str
    env: dict[str, str]
    sqs: Any
    secrets: Any
    invalid_url: str  # the forwarder's DEAD_LETTER_QUEUE_URL; `dlq_url` is the redrive target

    def invoke(self, event: dict[str, Any], timeout_s: float = 30.0) -> Any:
        return handler(event, LocalContext(timeout_s=timeout_s))

    def invalid_messages(self) -> list[dict[str, Any]]:
        """What the forwarder dead-lettered as invalid, with the reason attributes."""
        return peek_queue(self.sqs, self.invalid_url)

    def exhausted(self) -> list[dict[str, Any]]:
        """What SQS moved to the dead-letter queue after maxReceiveCount receives."""
        return peek_queue(self.sqs, self.dlq_url)

    def queue_depth(self, queue_url: str | None = None) -> int:
        """Messages in the source queue (or `queue_url`), visible or in flight."""
        return queue_depth(self.sqs, queue_url or self.queue_url)


def provision(
    stack: StackInfo,
    setenv: Callable[[str, str], None],
    *,
    prefix: str,
    bootstrap: str,
    mechanism: str = "SCRAM-SHA-512",
    secret: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> Deployment:
    """Create the resources, then set the forwarder's settings (`env` wins) with `setenv`.
    The secret holds the stack's user for `mechanism` (SCRAM-SHA-512's for NONE) unless given."""
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    create_topic(stack, name, partitions=3)
    sqs = boto3.client("sqs")
    secrets = boto3.client("secretsmanager")
    queue_url, dlq_url = create_queue_pair(sqs, name)
    invalid_url = create_invalid_queue(sqs, name)
    user = stack.credentials("SCRAM-SHA-512" if mechanism == "NONE" else mechanism)
    value = secret or {"username": user.username, "password": user.password}
    secret_id = secrets.create_secret(Name=f"{name}/kafka", SecretString=json.dumps(value))["ARN"]
    settings = {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC": name,
        "KAFKA_AUTH_METHOD": mechanism,
        "KAFKA_SECRET_ID": secret_id,
        "KAFKA_CA_BUNDLE": stack.ca_file,
        "DEAD_LETTER_QUEUE_URL": invalid_url,
        **LOCAL_BACKOFF,
    } | (env or {})
    for key, setting in settings.items():
        setenv(key, setting)
    return Deployment(
        stack, name, queue_url, dlq_url, secret_id, settings, sqs, secrets, invalid_url
    )
