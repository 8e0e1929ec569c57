"""One test's forwarder on the local stack: a fresh topic, a source queue whose redrive policy
moves a message to its dead-letter queue after MAX_RECEIVE_COUNT receives, a secret with a
broker user's credentials, and the settings that point the handler at them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import orjson

from core.kafka_records import body_digest
from handlers.lambda_handler import handler
from handlers.local.context import LOCAL_POWERTOOLS_ENV, LocalContext
from handlers.local.event_source_mapping import queue_depth
from local_stack import StackInfo, create_topic, env_vars, read_topic
from local_stack.lifecycle import LOCAL_BACKOFF
from local_stack.queues import create_invalid_queue, create_queue_pair, peek_queue
from tests.support.events import EVENTS, load_event


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

    def close(self) -> None:
        """Close the test's SQS and Secrets Manager clients: a client dropped open leaves its
        pooled sockets to moto for the garbage collector, which warns about them mid-test."""
        self.sqs.close()
        self.secrets.close()

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
    fifo: bool = False,
) -> Deployment:
    """Create the resources (FIFO queues with `fifo`), then set the forwarder's settings (`env`
    wins) with `setenv`.
    The secret holds the stack's user for `mechanism` (SCRAM-SHA-512's for NONE), or for MTLS the
    stack's client certificate with its encrypted key, unless given."""
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    create_topic(stack, name, partitions=3)
    sqs = boto3.client("sqs")
    secrets = boto3.client("secretsmanager")
    queue_url, dlq_url = create_queue_pair(sqs, name, fifo=fifo)
    invalid_url = create_invalid_queue(sqs, name, fifo=fifo)
    if secret is None and mechanism == "MTLS":
        secret = mtls_secret(stack)
    sasl_user = mechanism not in ("NONE", "MTLS", "AWS_MSK_IAM")
    user = stack.credentials(mechanism if sasl_user else "SCRAM-SHA-512")
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


def preview(deployment: Deployment, event_file: str) -> list[dict[str, Any]]:
    """What `forwarder preview` prints for the event file under the deployment's settings."""
    env = os.environ | deployment.env
    forwarder_script = Path(sys.executable).parent / "forwarder"
    out = subprocess.run(
        [str(forwarder_script), "preview", str(EVENTS / event_file)],
        env=env,
        check=True,
        capture_output=True,
    ).stdout
    return [orjson.loads(line) for line in out.splitlines()]


def topic_as_preview(deployment: Deployment, event_file: str) -> list[dict[str, Any]]:
    """The topic's records in the shape preview prints, ordered by dedup id; the message id is
    the event file's record whose body the dedup id was made from."""
    message_ids = {
        body_digest(record["body"]): record["messageId"]
        for record in load_event(event_file)["Records"]
    }
    lines = []
    for record in read_topic(deployment.stack, deployment.topic, timeout_s=10):
        headers = {name: value.decode() for name, value in record.headers}
        lines.append(
            {
                "message_id": message_ids[headers["x-forwarder-dedup-id"].rsplit(":", 1)[0]],
                "topic": record.topic,
                "key": record.key.decode() if record.key is not None else None,
                "headers": headers,
                "value": orjson.loads(record.value),
            }
        )
    return sorted(lines, key=lambda line: line["headers"]["x-forwarder-dedup-id"])


def by_dedup_id(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    records = [line for line in lines if "outcome" not in line]
    return sorted(records, key=lambda line: line["headers"]["x-forwarder-dedup-id"])


def mtls_secret(stack: StackInfo, *, rogue: bool = False) -> dict[str, str]:
    """An mTLS secret: the stack CA's client certificate with its encrypted key and the key's
    password, or (rogue) the rogue CA's client certificate with its plain key."""
    if rogue:
        return {
            "client_cert_pem": Path(stack.rogue_client_cert_file).read_text(encoding="ascii"),
            "client_key_pem": Path(stack.rogue_client_key_file).read_text(encoding="ascii"),
        }
    return {
        "client_cert_pem": Path(stack.client_cert_file).read_text(encoding="ascii"),
        "client_key_pem": Path(stack.client_encrypted_key_file).read_text(encoding="ascii"),
        "client_key_password": stack.client_key_password,
    }
