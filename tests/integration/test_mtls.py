"""KAFKA_AUTH_METHOD=MTLS on the real broker's MTLS listener (ssl.client.auth=required): delivery
with the secret's client certificate (an encrypted key and its password), and refusal without a
client certificate or with one from an untrusted CA, each saying why
(docs/contract.md#the-secret)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.deadline import Deadline
from core.outcomes import InvocationReport, Outcome
from core.sqs_event import SqsMessage
from handlers import container
from local_stack import StackInfo, read_topic
from tests.support.deployment import mtls_secret
from tests.support.events import sqs_event

pytestmark = pytest.mark.integration

VALID_BATCH = json.dumps({"mpid": 7, "events": [{"event_type": "custom_event", "data": {}}]})
CLIENT_CERT_REFUSED = "the broker refused the client certificate"


def forward_once() -> InvocationReport:
    forwarder = container.get(10_000)
    return forwarder.forward([SqsMessage("m-1", VALID_BATCH)], Deadline.in_seconds(4.0, 2.0))


def test_mtls_delivers_with_the_secrets_client_certificate(deploy: Any) -> None:
    deployment = deploy("MTLS")
    assert deployment.invoke(sqs_event(VALID_BATCH)) == {"batchItemFailures": []}
    records = read_topic(deployment.stack, deployment.topic, timeout_s=10)
    assert [json.loads(r.value)["mpid"] for r in records] == [7]


def test_the_mtls_listener_refuses_a_client_without_a_certificate(
    deploy: Any, stack: StackInfo
) -> None:
    deploy("NONE", KAFKA_BOOTSTRAP_SERVERS=stack.bootstrap.mtls)
    (outcome,) = forward_once().outcomes
    assert (outcome.outcome, outcome.error_class) == (Outcome.RETRY, "TlsRefused")
    assert CLIENT_CERT_REFUSED in (outcome.reason or "")


def test_the_mtls_listener_refuses_a_client_certificate_from_an_untrusted_ca(
    deploy: Any, stack: StackInfo
) -> None:
    deployment = deploy("MTLS", secret=mtls_secret(stack, rogue=True))
    (outcome,) = forward_once().outcomes
    assert (outcome.outcome, outcome.error_class) == (Outcome.RETRY, "TlsRefused")
    assert CLIENT_CERT_REFUSED in (outcome.reason or "")
    assert read_topic(deployment.stack, deployment.topic, timeout_s=2) == []


def test_a_wrong_client_key_password_leaves_the_message_for_retry_naming_the_fields(
    deploy: Any, stack: StackInfo
) -> None:
    secret = mtls_secret(stack) | {"client_key_password": "wrong-key-password-canary"}
    deploy("MTLS", secret=secret)
    (outcome,) = forward_once().outcomes
    assert (outcome.outcome, outcome.error_class) == (Outcome.RETRY, "SecretUnavailable")
    assert "client_key_password" in (outcome.reason or "")
    assert "wrong-key-password-canary" not in (outcome.reason or "")
