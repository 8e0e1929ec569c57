"""EMF documents (handlers/emf.py): what Powertools' Metrics would write, and when nothing is."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools import Metrics

from handlers.emf import Emf, Unit, metrics_disabled

METRICS: list[tuple[str, Unit, float]] = [
    ("RecordsProduced", "Count", 3),
    ("BytesProduced", "Bytes", 1024),
    ("ProduceLatency", "Milliseconds", 12.5),
]


def written(emf_args: dict[str, Any], dimensions: dict[str, str]) -> list[dict[str, Any]]:
    lines: list[bytes] = []
    emf = Emf(**emf_args, out=lines.append, clock=lambda: 1_700_000_000.123)
    document = emf.document(dimensions)
    for name, unit, value in METRICS:
        document.add_metric(name, unit, value)
    document.write()
    assert all(line.endswith(b"\n") and line.count(b"\n") == 1 for line in lines)
    return [json.loads(line) for line in lines]


def powertools(namespace: str, service: str | None, dimensions: dict[str, str]) -> dict[str, Any]:
    reference = Metrics(namespace=namespace, service=service)
    try:
        for dimension, label in dimensions.items():
            reference.add_dimension(dimension, label)
        for name, unit, value in METRICS:
            reference.add_metric(name, unit, value)
        document: dict[str, Any] = dict(reference.serialize_metric_set())
    finally:
        reference.clear_metrics()
    return document


@pytest.mark.parametrize("service", ["kafka-event-forwarder", None])
@pytest.mark.parametrize("dimensions", [{}, {"event_type": "screen_view"}])
def test_a_document_is_the_one_powertools_writes_for_the_same_metrics(
    service: str | None, dimensions: dict[str, str]
) -> None:
    [ours] = written({"namespace": "Fwd", "service": service}, dimensions)
    theirs = powertools("Fwd", service, dimensions)
    assert ours["_aws"]["Timestamp"] == 1_700_000_000_123
    ours["_aws"]["Timestamp"] = theirs["_aws"]["Timestamp"]
    assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True)
    assert set(ours["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) == set(
        theirs["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]
    )


def test_nothing_is_written_when_metrics_are_disabled() -> None:
    assert written({"namespace": "Fwd", "service": "s", "disabled": True}, {}) == []


def test_a_document_without_metrics_is_not_written() -> None:
    lines: list[bytes] = []
    Emf("Fwd", "s", out=lines.append).document({"reason": "x"}).write()
    assert lines == []


def test_documents_go_to_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    Emf("Fwd", "s").document().add_metric("PortFaults", "Count", 0).write()
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["PortFaults"] == [0.0]


@pytest.mark.parametrize(
    ("environment", "disabled"),
    [
        ({}, False),
        ({"POWERTOOLS_METRICS_DISABLED": "true"}, True),
        ({"POWERTOOLS_METRICS_DISABLED": "false"}, False),
        ({"POWERTOOLS_DEV": "true"}, True),
        ({"POWERTOOLS_DEV": "true", "POWERTOOLS_METRICS_DISABLED": "false"}, False),
        ({"POWERTOOLS_METRICS_DISABLED": "maybe"}, False),
    ],
)
def test_metrics_are_disabled_by_the_variables_powertools_reads(
    environment: dict[str, str], disabled: bool
) -> None:
    assert metrics_disabled(environment) is disabled


def test_the_namespace_defaults_and_the_service_comes_from_the_environment() -> None:
    emf = Emf.from_environment({"POWERTOOLS_SERVICE_NAME": "fwd"})
    assert (emf.namespace, emf.service, emf.disabled) == ("KafkaEventForwarder", "fwd", False)
    emf = Emf.from_environment({"POWERTOOLS_METRICS_NAMESPACE": "Mine"})
    assert (emf.namespace, emf.service) == ("Mine", None)
