"""The Lambda handler end to end on the real stack: Kafka over TLS + SASL, moto's SQS and Secrets
Manager (docs/contract.md)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from core.deadline import Deadline
from core.kafka_records import body_digest
from core.sqs_event import SqsMessage
from handlers import container
from handlers.observability import logger
from local_stack import StackInfo, read_topic, set_scram_password
from tests.support.deployment import Deployment
from tests.support.events import EVENTS, load_event, sqs_event

pytestmark = pytest.mark.integration

VALID_BATCH = json.dumps(
    {
        "mpid": 42,
        "batch_id": 7,
        "events": [
            {"event_type": "custom_event", "data": {"event_name": "tap"}},
        ],
    }
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


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "NONE"])
def test_records_in_kafka_equal_what_preview_prints(deploy: Any, mechanism: str) -> None:
    deployment = deploy(mechanism)
    response = deployment.invoke(load_event("mixed-batch.json"))
    assert response == {"batchItemFailures": []}
    expected = by_dedup_id(preview(deployment, "mixed-batch.json"))
    assert expected, "the mixed batch must produce records"
    assert topic_as_preview(deployment, "mixed-batch.json") == expected


def test_per_event_records_in_kafka_equal_what_preview_prints(deploy: Any) -> None:
    deployment = deploy("SCRAM-SHA-512", SEND_AS_BATCH="false", INCLUDE_MP_DEVICEID="true")
    deployment.invoke(load_event("several-records.json"))
    expected = by_dedup_id(preview(deployment, "several-records.json"))
    assert topic_as_preview(deployment, "several-records.json") == expected


def test_a_wrong_password_retries_every_record_and_never_logs_it(
    deploy: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    deployment = deploy("SCRAM-SHA-512")
    wrong = "wrong-password-canary-7731"
    user = deployment.stack.credentials("SCRAM-SHA-512").username
    deployment.secrets.put_secret_value(
        SecretId=deployment.secret_id,
        SecretString=json.dumps({"username": user, "password": wrong}),
    )
    caplog.set_level(logging.DEBUG)
    response = deployment.invoke(sqs_event(VALID_BATCH, VALID_BATCH), timeout_s=20)
    assert response == {
        "batchItemFailures": [{"itemIdentifier": "msg-0"}, {"itemIdentifier": "msg-1"}]
    }
    assert read_topic(deployment.stack, deployment.topic, timeout_s=2) == []
    formatter = logging.Formatter("%(name)s %(message)s %(exc_info)s")
    logged = "\n".join(
        [formatter.format(r) for r in caplog.records]
        + [logger.registered_handler.format(r) for r in caplog.records]
    )
    assert "message left for retry" in logged  # the capture holds the handler's lines
    captured = capfd.readouterr()
    assert wrong not in logged + captured.out + captured.err


def test_a_secret_whose_ca_pem_is_no_certificate_retries_naming_the_secret_never_its_value(
    deploy: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    deployment = deploy("SCRAM-SHA-512")
    user = deployment.stack.credentials("SCRAM-SHA-512")
    canary = "-----BEGIN CERTIFICATE-----\nca-pem-canary-5512\n-----END CERTIFICATE-----\n"
    deployment.secrets.put_secret_value(
        SecretId=deployment.secret_id,
        SecretString=json.dumps(
            {"username": user.username, "password": user.password, "ca_pem": canary}
        ),
    )
    caplog.set_level(logging.DEBUG)
    response = deployment.invoke(sqs_event(VALID_BATCH), timeout_s=20)
    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert read_topic(deployment.stack, deployment.topic, timeout_s=2) == []
    retried = [r for r in caplog.records if r.getMessage() == "message left for retry"]
    reasons = [logger.registered_handler.format(r) for r in retried]
    assert len(reasons) == 1
    assert deployment.secret_id in reasons[0]
    assert "ca_pem" in reasons[0]
    captured = capfd.readouterr()
    logged = "\n".join(logger.registered_handler.format(r) for r in caplog.records)
    assert "ca-pem-canary" not in logged + captured.out + captured.err


def test_rotation_succeeds_on_the_next_invocation_after_one_refetch(deploy: Any) -> None:
    deployment = deploy("SCRAM-SHA-512", SECRET_CACHE_TTL_SECONDS="300")
    user = deployment.stack.credentials("SCRAM-SHA-512")
    assert deployment.invoke(sqs_event(VALID_BATCH)) == {"batchItemFailures": []}
    forwarder = container.get(30_000)
    try:
        set_scram_password(deployment.stack, "SCRAM-SHA-512", user.username, "rotated-password-1")
        deployment.secrets.put_secret_value(
            SecretId=deployment.secret_id,
            SecretString=json.dumps({"username": user.username, "password": "rotated-password-1"}),
        )
        forwarder.close()  # the warm connection dies: the next one logs in with the cached secret
        report = forwarder.forward(
            [SqsMessage("after-rotation", VALID_BATCH)], Deadline.in_seconds(20.0)
        )
        assert [o.outcome.value for o in report.outcomes] == ["delivered"]
        assert report.secret_refreshes == 1
    finally:
        set_scram_password(deployment.stack, "SCRAM-SHA-512", user.username, user.password)


def test_a_certificate_for_another_host_is_refused(deploy: Any, stack: StackInfo) -> None:
    deployment = deploy("SCRAM-SHA-512", KAFKA_BOOTSTRAP_SERVERS=stack.bootstrap.wronghost)
    response = deployment.invoke(sqs_event(VALID_BATCH), timeout_s=10)
    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}


def test_a_broker_signed_by_an_untrusted_ca_is_refused(deploy: Any, stack: StackInfo) -> None:
    deployment = deploy("SCRAM-SHA-512", KAFKA_CA_BUNDLE=stack.rogue_ca_file)
    response = deployment.invoke(sqs_event(VALID_BATCH), timeout_s=10)
    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert read_topic(deployment.stack, deployment.topic, timeout_s=2) == []


def test_an_invalid_body_is_dead_lettered_and_the_valid_ones_delivered_once(deploy: Any) -> None:
    deployment = deploy("SCRAM-SHA-512")
    response = deployment.invoke(sqs_event(VALID_BATCH, "{not json", VALID_BATCH))
    assert response == {"batchItemFailures": []}
    letters = deployment.invalid_messages()
    assert [m["Body"] for m in letters] == ["{not json"]
    attributes = letters[0]["MessageAttributes"]
    assert attributes["error-class"]["StringValue"] == "InvalidBatch"
    assert attributes["error-reason"]["StringValue"]
    dedup_ids = [
        dict(r.headers)["x-forwarder-dedup-id"].decode()
        for r in read_topic(deployment.stack, deployment.topic, timeout_s=10)
    ]
    # Two identical bodies: the same dedup id, as an identical resend would have.
    assert dedup_ids == [f"{body_digest(VALID_BATCH)}:0"] * 2


def test_an_unreachable_broker_retries_every_record_before_the_deadline(deploy: Any) -> None:
    deployment = deploy("SCRAM-SHA-512", KAFKA_BOOTSTRAP_SERVERS="localhost:1")
    started = time.monotonic()
    response = deployment.invoke(sqs_event(VALID_BATCH, VALID_BATCH), timeout_s=8)
    assert time.monotonic() - started < 8
    assert response == {
        "batchItemFailures": [{"itemIdentifier": "msg-0"}, {"itemIdentifier": "msg-1"}]
    }


def test_mixed_success_reports_only_the_failed_ids(deploy: Any, stack: StackInfo) -> None:
    # The invalid message's dead-letter send fails (no such queue): it alone must be retried.
    missing_queue = f"{stack.aws_endpoint_url}/123456789012/no-such-queue"
    deployment = deploy("SCRAM-SHA-512", DEAD_LETTER_QUEUE_URL=missing_queue)
    response = deployment.invoke(sqs_event(VALID_BATCH, "[]", VALID_BATCH))
    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    assert len(read_topic(deployment.stack, deployment.topic, timeout_s=10)) == 2


def test_forwarder_invoke_runs_the_handler_on_an_event_file(deploy: Any) -> None:
    deployment = deploy("SCRAM-SHA-256")
    forwarder_script = Path(sys.executable).parent / "forwarder"
    result = subprocess.run(
        [str(forwarder_script), "invoke", str(EVENTS / "several-records.json")],
        env=os.environ | deployment.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"batchItemFailures": []}
    expected = by_dedup_id(preview(deployment, "several-records.json"))
    assert topic_as_preview(deployment, "several-records.json") == expected


def test_forwarder_invoke_names_a_missing_setting(deploy: Any) -> None:
    deployment = deploy("SCRAM-SHA-512")
    env = {k: v for k, v in (os.environ | deployment.env).items() if k != "KAFKA_TOPIC"}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "forwarder"),
            "invoke",
            str(EVENTS / "mixed-batch.json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert "KAFKA_TOPIC" in result.stderr
