"""moto in server mode on loopback, holding the SQS queues and the Secrets Manager secret."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import boto3

from local_stack import procs
from local_stack.queues import create_invalid_queue, create_queue_pair
from local_stack.state import Credentials, StackError

REGION = "us-east-1"
# moto accepts any credentials; fixed dummies keep a developer's real ones out of the picture.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
QUEUE = "forwarder-events"
SECRET_ID = "forwarder/kafka"


@dataclass(frozen=True)
class AwsResources:
    queue_url: str
    dlq_url: str
    secret_id: str
    invalid_url: str


def launch(port: int, log_file: Path) -> int:
    """Start moto_server (local_stack.moto_server: its FIFO order corrected) on 127.0.0.1:port;
    return its PID."""
    argv = [sys.executable, "-m", "local_stack.moto_server", "-H", "127.0.0.1", "-p", str(port)]
    # local_stack is not an installed package: the repository root makes it importable from any
    # working directory.
    root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return procs.spawn(argv, log_file, env=dict(os.environ) | {"PYTHONPATH": path})


def markers(port: int) -> tuple[str, str]:
    return ("local_stack.moto_server", str(port))


def answers(endpoint_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint_url}/moto-api/", timeout=1) as response:  # noqa: S310 - our own loopback URL
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def wait_ready(pid: int, endpoint_url: str, log_file: Path, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not answers(endpoint_url):
        if not procs.is_alive(pid):
            raise StackError(f"moto_server exited during start-up; see {log_file}")
        if time.monotonic() > deadline:
            raise StackError(f"moto_server did not answer within {timeout_s:.0f}s; see {log_file}")
        time.sleep(0.1)


def create_resources(endpoint_url: str, secret_user: Credentials) -> AwsResources:
    """The source queue with its redrive policy to the DLQ, the invalid-message queue, and the
    secret holding the credentials.

    No Lambda function or event source mapping: moto would run its own mapping inside SendMessage.
    """
    session = boto3.session.Session(
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    sqs = session.client("sqs", endpoint_url=endpoint_url)
    secrets = session.client("secretsmanager", endpoint_url=endpoint_url)
    try:
        queue_url, dlq_url = create_queue_pair(sqs, QUEUE)
        invalid_url = create_invalid_queue(sqs, QUEUE)
        secret = {"username": secret_user.username, "password": secret_user.password}
        secrets.create_secret(Name=SECRET_ID, SecretString=json.dumps(secret))
    finally:
        sqs.close()
        secrets.close()
    return AwsResources(
        queue_url=queue_url, dlq_url=dlq_url, secret_id=SECRET_ID, invalid_url=invalid_url
    )
