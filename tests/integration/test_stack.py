"""The local stack itself: Kafka listeners, users and certificates; moto queue and secret."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, KafkaTimeoutError, SaslAuthenticationFailedError

from local_stack import (
    StackInfo,
    client_config,
    create_topic,
    is_healthy,
    load,
    read_topic,
    set_scram_password,
    start,
    start_broker,
    stop_broker,
    topic_record_count,
)

pytestmark = pytest.mark.integration

REFUSE_MS = 3000  # a refused client gives up after this long (kafka-python retries until then)


@pytest.fixture
def topic(stack: StackInfo) -> str:
    name = f"stack-{uuid.uuid4().hex[:12]}"
    create_topic(stack, name, partitions=1)
    return name


@pytest.fixture
def kafka_logs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Iterator[pytest.LogCaptureFixture]:
    """kafka-python logs why a connection failed; the exception it raises only says it timed out.
    (The handler's observability set-up sends kafka's lines to Powertools' handler instead of the
    root logger, where the capture listens: they propagate again for the test.)"""
    monkeypatch.setattr(logging.getLogger("kafka"), "propagate", True)
    with caplog.at_level(logging.INFO, logger="kafka"):
        yield caplog


def produce(config: dict[str, Any], topic: str, value: bytes) -> Any:
    producer = KafkaProducer(
        **config, acks="all", enable_idempotence=True, bootstrap_timeout_ms=10_000
    )
    try:
        return producer.send(topic, key=b"key", value=value).get(timeout=10)
    finally:
        producer.close(timeout=5)


def consume_one(config: dict[str, Any], topic: str, offset: int) -> Any:
    consumer = KafkaConsumer(**config, enable_auto_commit=False, bootstrap_timeout_ms=10_000)
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        consumer.seek(partition, offset)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for record in consumer.poll(timeout_ms=200).get(partition, []):
                return record
        raise AssertionError(f"nothing read from {topic} at offset {offset}")
    finally:
        consumer.close()


def refused(config: dict[str, Any], topic: str) -> None:
    """A client that must be turned away gets no metadata: kafka-python retries until max_block_ms.

    api_version is given so that the constructor does not bootstrap: when that fails,
    kafka-python 3.0.12 leaves the client's sockets open (ResourceWarning)."""
    producer = KafkaProducer(**config, api_version=(4, 0), max_block_ms=REFUSE_MS)
    try:
        with pytest.raises(KafkaTimeoutError, match="Failed to update metadata"):
            producer.partitions_for(topic)
    finally:
        producer.close(timeout=1)


class BrokerLog:
    """What the broker logs from now on (it logs every refused login at INFO)."""

    def __init__(self, stack: StackInfo) -> None:
        self.path = Path(stack.broker_log)
        self.start = self.path.stat().st_size

    def new_text(self) -> str:
        with self.path.open("rb") as log:
            log.seek(self.start)
            return log.read().decode(errors="replace")


def connection_errors(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)


def logs_in(config: dict[str, Any], topic: str) -> bool:
    """True if a new client with `config` gets the topic's metadata (its login was taken)."""
    producer = KafkaProducer(**config, api_version=(4, 0), max_block_ms=REFUSE_MS)
    try:
        producer.partitions_for(topic)
    except KafkaError:
        return False
    finally:
        producer.close(timeout=1)
    return True


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s}s: {what}")
        time.sleep(0.2)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_produces_and_consumes_over_sasl_ssl_with_each_mechanism(
    stack: StackInfo, topic: str, mechanism: str
) -> None:
    config = client_config(stack, "sasl_ssl", mechanism)
    value = f"via {mechanism}".encode()

    sent = produce(config, topic, value)
    received = consume_one(config, topic, sent.offset)

    assert (received.key, received.value) == (b"key", value)


def test_produces_and_consumes_over_the_tls_only_listener(stack: StackInfo, topic: str) -> None:
    config = client_config(stack, "ssl")
    assert "sasl_mechanism" not in config

    sent = produce(config, topic, b"via SSL")
    received = consume_one(config, topic, sent.offset)

    assert received.value == b"via SSL"


def test_a_changed_password_is_refused_by_the_broker_and_nothing_is_written(
    stack: StackInfo, topic: str
) -> None:
    # A client logs in, the password changes, and its next connection must be refused. The
    # broker is the witness, not kafka-python: 3.0.12 reports a refusal as
    # SaslAuthenticationFailedError or, when it drops the refusal with the socket (more often on
    # a loaded machine), as KafkaTimeoutError; either is accepted. Without idempotence the
    # producer opens no broker connection before its first send.
    user = f"rotated-{uuid.uuid4().hex[:8]}"
    set_scram_password(stack, "SCRAM-SHA-512", user, "right-password")
    config = client_config(stack, "sasl_ssl") | {"sasl_plain_username": user}
    right = config | {"sasl_plain_password": "right-password"}
    wait_until(lambda: logs_in(right, topic), 30, "the new user logs in")
    producer = KafkaProducer(
        **right,
        enable_idempotence=False,
        acks=1,
        reconnect_backoff_max_ms=100,
        max_block_ms=10_000,
    )
    try:
        set_scram_password(stack, "SCRAM-SHA-512", user, "changed-password")
        # The broker applies a credential change from its metadata log, a moment after the admin
        # call returns (the same for the new user above): once the new password logs in, the old
        # one cannot.
        changed = config | {"sasl_plain_password": "changed-password"}
        wait_until(lambda: logs_in(changed, topic), 30, "the changed password logs in")
        broker_log = BrokerLog(stack)

        with pytest.raises((SaslAuthenticationFailedError, KafkaTimeoutError)):
            producer.send(topic, b"refused").get(timeout=10)
    finally:
        producer.close(timeout=1)

    refusal = "invalid credentials with SASL mechanism SCRAM-SHA-512"
    wait_until(lambda: refusal in broker_log.new_text(), 10, "the broker logs the refusal")
    assert topic_record_count(stack, topic) == 0


def test_wrong_password_at_bootstrap_is_refused_and_surfaces_as_kafka_timeout_error(
    stack: StackInfo, topic: str
) -> None:
    # kafka-python 3.0.12 retries a refused login until its timeout and raises only that. Its
    # log has the SaslAuthenticationFailedError only when the refusal and the broker's close
    # arrive in separate reads, so the broker's own log is the witness.
    broker_log = BrokerLog(stack)
    config = client_config(stack, "sasl_ssl", "PLAIN") | {"sasl_plain_password": "wrong"}

    refused(config, topic)

    assert "Authentication failed: Invalid username or password" in broker_log.new_text()


def test_client_that_does_not_trust_the_ca_is_refused(
    stack: StackInfo, kafka_logs: pytest.LogCaptureFixture
) -> None:
    config = client_config(stack, "sasl_ssl") | {"ssl_cafile": stack.rogue_ca_file}

    refused(config, stack.topic)

    assert "CERTIFICATE_VERIFY_FAILED" in connection_errors(kafka_logs)


def test_certificate_for_another_host_is_refused_by_hostname_verification(
    stack: StackInfo, kafka_logs: pytest.LogCaptureFixture
) -> None:
    config = client_config(stack, "wronghost")
    assert config["bootstrap_servers"].startswith("localhost:")

    refused(config, stack.topic)

    assert "certificate is not valid for 'localhost'" in connection_errors(kafka_logs)


def test_certificate_for_another_host_passes_when_hostname_checks_are_off(
    stack: StackInfo, topic: str
) -> None:
    # The control for the test above: same CA, same listener; only the name differs.
    config = client_config(stack, "wronghost") | {"ssl_check_hostname": False}

    assert produce(config, topic, b"no hostname check").offset == 0


@pytest.mark.usefixtures("aws_env")
def test_boto3_reads_the_secret_through_aws_endpoint_url(stack: StackInfo) -> None:
    secrets = boto3.client("secretsmanager")  # no endpoint_url: AWS_ENDPOINT_URL says where
    try:
        secret = json.loads(secrets.get_secret_value(SecretId=stack.secret_id)["SecretString"])
    finally:
        secrets.close()

    user = stack.credentials("SCRAM-SHA-512")
    assert secret == {"username": user.username, "password": user.password}


@pytest.mark.usefixtures("aws_env")
def test_redrive_policy_moves_a_message_to_the_dlq_after_five_receives(
    stack: StackInfo,
) -> None:
    # The stack's queues may be in use by a concurrent run, and receiving with VisibilityTimeout=0
    # counts against every message it returns; so the policy is copied onto a private pair.
    sqs = boto3.client("sqs")
    name = f"redrive-{uuid.uuid4().hex[:8]}"
    body = f"{name}-body"

    def receive(queue_url: str) -> list[Any]:
        answer = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return [m for m in answer.get("Messages", []) if m["Body"] == body]

    try:
        attributes = sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["All"])
        policy = json.loads(attributes["Attributes"]["RedrivePolicy"])
        stack_dlq = sqs.get_queue_attributes(QueueUrl=stack.dlq_url, AttributeNames=["QueueArn"])
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
        private_policy = policy | {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"]}
        queue_url = sqs.create_queue(
            QueueName=name, Attributes={"RedrivePolicy": json.dumps(private_policy)}
        )["QueueUrl"]

        sqs.send_message(QueueUrl=queue_url, MessageBody=body)
        counts = [receive(queue_url)[0]["Attributes"]["ApproximateReceiveCount"]
                  for _ in range(5)]  # fmt: skip
        sixth = receive(queue_url)
        in_dlq = receive(dlq_url)
        sqs.delete_queue(QueueUrl=queue_url)
        sqs.delete_queue(QueueUrl=dlq_url)
    finally:
        sqs.close()

    assert policy["deadLetterTargetArn"] == stack_dlq["Attributes"]["QueueArn"]
    assert int(policy["maxReceiveCount"]) == 5
    assert counts == ["1", "2", "3", "4", "5"]
    assert sixth == []
    assert len(in_dlq) == 1


def test_set_scram_password_changes_a_password(stack: StackInfo, topic: str) -> None:
    user = f"changed-{uuid.uuid4().hex[:8]}"
    set_scram_password(stack, "SCRAM-SHA-256", user, "old-password")
    base = client_config(stack, "sasl_ssl", "SCRAM-SHA-256") | {"sasl_plain_username": user}
    assert produce(base | {"sasl_plain_password": "old-password"}, topic, b"old").offset == 0

    set_scram_password(stack, "SCRAM-SHA-256", user, "new-password")

    refused(base | {"sasl_plain_password": "old-password"}, topic)
    assert produce(base | {"sasl_plain_password": "new-password"}, topic, b"new").offset == 1


def test_start_reuses_a_healthy_running_stack(stack: StackInfo) -> None:
    running = load(stack.state_dir)
    assert running is not None

    again = start(stack.state_dir)

    assert again == running


def test_broker_restarts_after_a_crash_on_the_same_ports_with_its_data(
    stack: StackInfo, topic: str
) -> None:
    produce(client_config(stack, "sasl_ssl"), topic, b"before the crash")

    crashed = stop_broker(stack, kill=True)
    restarted = start_broker(crashed)

    assert restarted.ports == stack.ports
    assert restarted.broker_pid != stack.broker_pid
    assert [r.value for r in read_topic(restarted, topic, timeout_s=10)] == [b"before the crash"]
    assert is_healthy(restarted)
