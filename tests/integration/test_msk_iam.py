"""KAFKA_AUTH_METHOD=AWS_MSK_IAM over the wire, on the stack's IAM listener: SASL OAUTHBEARER
whose test-only server callback (local_stack/java/MskIamValidator.java) checks each token as MSK
documents its IAM tokens: a SigV4 presigned URL for kafka-cluster:Connect on
kafka.<region>.amazonaws.com, inside its expiry window, signed with the stack's test keys (moto's
dummies, which aws_env gives boto3). What this proves and what only MSK can: docs/providers.md."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.deadline import Deadline
from core.outcomes import Outcome
from core.sqs_event import SqsMessage
from handlers import container
from local_stack import read_topic
from tests.support.events import sqs_event

pytestmark = pytest.mark.integration

VALID_BATCH = json.dumps({"mpid": 11, "events": [{"event_type": "custom_event", "data": {}}]})


def test_msk_iam_delivers_with_the_roles_credentials_and_no_secret(deploy: Any) -> None:
    deployment = deploy("AWS_MSK_IAM", KAFKA_SECRET_ID="")
    assert deployment.invoke(sqs_event(VALID_BATCH)) == {"batchItemFailures": []}
    records = read_topic(deployment.stack, deployment.topic, timeout_s=10)
    assert [json.loads(r.value)["mpid"] for r in records] == [11]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("AWS_SECRET_ACCESS_KEY", "not-the-stack-key"), ("AWS_REGION", "eu-west-1")],
    ids=["signed-with-another-key", "signed-for-another-region"],
)
def test_msk_iam_tokens_the_broker_cannot_verify_are_refused_and_retried(
    deploy: Any, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    deployment = deploy("AWS_MSK_IAM", KAFKA_SECRET_ID="")
    monkeypatch.setenv(variable, value)
    report = container.get(10_000).forward(
        [SqsMessage("m-1", VALID_BATCH)], Deadline.in_seconds(4.0, 2.0)
    )
    # kafka-python reports a login refused at bootstrap as no metadata in time (contract.md)
    assert [(o.outcome, o.error_class) for o in report.outcomes] == [
        (Outcome.RETRY, "BrokerUnreachable")
    ]
    assert read_topic(deployment.stack, deployment.topic, timeout_s=2) == []
