"""The EMF documents of one invocation's dimensioned metrics (handlers/reporting.py)."""

from __future__ import annotations

import json
from collections import Counter
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
    return [d for d in documents(output) if d["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]]


def test_each_dimensioned_document_carries_its_own_dimension_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for _ in range(2):  # the provider is reused: nothing may carry over to the next invocation
        record_metrics(metrics, REPORT)
        metrics.clear_metrics()
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
    metrics.clear_metrics()
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
