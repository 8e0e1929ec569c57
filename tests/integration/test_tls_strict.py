"""Strict X.509 on the real broker: the stack's certificates pass Python 3.13's strict checks
under the Lambda runtime's Python itself; a CA without key identifiers is refused with an error
that says so (not "broker unreachable"); KAFKA_TLS_STRICT_X509=false lets it through, with a
warning at cold start (docs/contract.md#kafka-connection)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from core.deadline import Deadline
from core.outcomes import Outcome
from core.sqs_event import SqsMessage
from handlers import container
from local_stack import StackInfo
from tests.support.events import sqs_event
from tests.support.runtimes import lambda_python, tls_probe

pytestmark = pytest.mark.integration

VALID_BATCH = json.dumps({"mpid": 1, "events": [{"event_type": "custom_event", "data": {}}]})
MISSING_AKI = "Missing Authority Key Identifier"


@pytest.fixture(scope="module")
def python313() -> str:
    return lambda_python()


def test_the_stack_certificates_pass_strict_checking_under_python_313(
    stack: StackInfo, python313: str
) -> None:
    answer = tls_probe(python313, bootstrap=stack.bootstrap.ssl, ca_bundle=stack.ca_file)
    assert answer == {"python": "3.13", "ok": True, "explained": None}


def test_a_ca_without_key_identifiers_is_refused_under_python_313_saying_why(
    stack: StackInfo, python313: str
) -> None:
    answer = tls_probe(
        python313, bootstrap=stack.bootstrap.legacy_tls, ca_bundle=stack.legacy_ca_file
    )
    assert answer["ok"] is False
    assert MISSING_AKI in answer["explained"]
    assert "KAFKA_TLS_STRICT_X509=false" in answer["explained"]


def test_strict_x509_off_accepts_a_ca_without_key_identifiers_under_python_313(
    stack: StackInfo, python313: str
) -> None:
    answer = tls_probe(
        python313,
        bootstrap=stack.bootstrap.legacy_tls,
        ca_bundle=stack.legacy_ca_file,
        strict_x509=False,
    )
    assert answer == {"python": "3.13", "ok": True, "explained": None}


def test_the_forwarder_reports_a_ca_without_key_identifiers_as_a_refused_certificate(
    deploy: Any, stack: StackInfo
) -> None:
    deploy(
        "NONE",
        KAFKA_BOOTSTRAP_SERVERS=stack.bootstrap.legacy_tls,
        KAFKA_CA_BUNDLE=stack.legacy_ca_file,
    )
    forwarder = container.get(10_000)
    report = forwarder.forward([SqsMessage("m-1", VALID_BATCH)], Deadline.in_seconds(4.0, 2.0))
    (outcome,) = report.outcomes
    assert (outcome.outcome, outcome.error_class) == (Outcome.RETRY, "TlsRefused")
    assert MISSING_AKI in (outcome.reason or "")


def test_strict_x509_off_delivers_through_a_ca_without_key_identifiers(
    deploy: Any, stack: StackInfo
) -> None:
    deployment = deploy(
        "NONE",
        KAFKA_BOOTSTRAP_SERVERS=stack.bootstrap.legacy_tls,
        KAFKA_CA_BUNDLE=stack.legacy_ca_file,
        KAFKA_TLS_STRICT_X509="false",
    )
    assert deployment.invoke(sqs_event(VALID_BATCH)) == {"batchItemFailures": []}


def test_strict_x509_off_is_logged_at_warning_at_cold_start(
    deploy: Any, stack: StackInfo, caplog: pytest.LogCaptureFixture
) -> None:
    deploy("NONE", KAFKA_TLS_STRICT_X509="false")
    with caplog.at_level(logging.WARNING):
        container.get(10_000)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("KAFKA_TLS_STRICT_X509 is false" in r.getMessage() for r in warnings)
