"""The EMF documents of one invocation's dimensioned metrics (handlers/reporting.py)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from core.outcomes import InvocationReport, MessageOutcome, Outcome
from handlers.observability import metrics
from handlers.reporting import record_metrics

REPORT = InvocationReport(
    outcomes=[MessageOutcome("m0", Outcome.DELIVERED, 3)],
    records_produced=3,
    dropped=Counter({"user_attribute_change": 1}),
    events_forwarded=Counter({"custom_event": 2, "screen_view": 1}),
    events_dropped=Counter({"commerce_event": 1}),
)


def documents(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def dimensioned(output: str) -> list[dict[str, Any]]:
    """The documents with a dimension of their own (all but the invocation's main document)."""
    return [
        d
        for d in documents(output)
        if set(d["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) - {"service"}
    ]


def test_each_dimensioned_document_carries_its_own_dimension_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for _ in range(2):  # nothing may carry over to the next invocation
        record_metrics(metrics, REPORT)
    found = dimensioned(capsys.readouterr().out)
    assert len(found) == 2 * 4
    for document in found:
        [directive] = document["_aws"]["CloudWatchMetrics"]
        [dimensions] = directive["Dimensions"]
        own = [d for d in dimensions if d != "service"]
        assert len(own) == 1, dimensions
        [metric] = directive["Metrics"]
        assert metric["Name"] in document
        assert directive["Namespace"] == metrics.namespace


def test_dimensioned_documents_count_per_reason_and_per_event_type(
    capsys: pytest.CaptureFixture[str],
) -> None:
    record_metrics(metrics, REPORT)
    values = {
        (name, document.get("reason") or document.get("event_type")): document[name]
        for document in dimensioned(capsys.readouterr().out)
        for name in ("EventsForwarded", "EventsDropped")
        if name in document
    }
    assert values == {
        ("EventsDropped", "user_attribute_change"): [1.0],
        ("EventsForwarded", "custom_event"): [2.0],
        ("EventsForwarded", "screen_view"): [1.0],
        ("EventsDropped", "commerce_event"): [1.0],
    }


def test_the_counts_are_one_document_with_the_service_dimension_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    record_metrics(metrics, REPORT)
    [counts] = [d for d in documents(capsys.readouterr().out) if "RecordsProduced" in d]
    [directive] = counts["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == ([["service"]] if metrics.service else [[]])
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "MessagesDelivered": "Count",
        "MessagesInvalid": "Count",
        "MessagesRetried": "Count",
        "RecordsProduced": "Count",
        "BytesProduced": "Bytes",
        "SecretRefreshes": "Count",
        "TopicUnwritable": "Count",
        "PortFaults": "Count",
        "MessagesPostponed": "Count",
    }
    assert (counts["MessagesDelivered"], counts["RecordsProduced"]) == ([1.0], [3.0])


@pytest.mark.parametrize(("ack_waits", "latency"), [(1, [12.5]), (0, None)])
def test_produce_latency_is_reported_only_when_records_were_sent(
    capsys: pytest.CaptureFixture[str], ack_waits: int, latency: list[float] | None
) -> None:
    record_metrics(metrics, replace(REPORT, ack_waits=ack_waits, produce_seconds=0.0125))
    [counts] = [d for d in documents(capsys.readouterr().out) if "RecordsProduced" in d]
    assert counts.get("ProduceLatency") == latency
