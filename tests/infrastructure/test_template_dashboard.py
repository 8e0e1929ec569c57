"""The CloudWatch dashboard (docs/operations.md#dashboard): a valid body whose every metric is one
the function emits (handlers/) or Lambda and SQS publish, covering what operators watch."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.cfn import REQUIRED, ROOT, Rendered, Template
from tools.dashboard_layout import draw
from tools.dashboard_layout import widgets as layout_widgets

pytestmark = pytest.mark.infrastructure

NAMESPACE = "KafkaEventForwarder"  # the MetricsNamespace parameter's default
SERVICE = "kafka-event-forwarder"  # the ServiceName parameter's default
# What AWS publishes for the resources the dashboard shows, by namespace and dimension.
PUBLISHED = {
    ("AWS/Lambda", "FunctionName"): {
        "Duration", "Errors", "Throttles", "ConcurrentExecutions", "Invocations",
    },
    ("AWS/SQS", "QueueName"): {
        "ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateAgeOfOldestMessage", "NumberOfMessagesReceived", "NumberOfMessagesSent",
    },
}  # fmt: skip
# The dimensions the function's metrics carry: Powertools' `service`, and the per-type and
# per-reason ones of handlers/reporting.py.
OWN_DIMENSIONS = {"service", "event_type", "reason"}
RESOURCES = {"${ForwarderFunction}", "${SourceQueue.QueueName}", "${DeadLetterQueue.QueueName}"}
_SEARCH = re.compile(r"SEARCH\('\{\"([^\"]+)\",([a-z_,]+)\} MetricName=\"(\w+)\"")
_EMITTED = re.compile(r"(?:add_metric|_dimensioned)\(\s*(?:metrics,\s*)?\"(\w+)\"")


def emitted() -> set[str]:
    """The metric names the function's code emits (handlers/*.py), read from its source."""
    sources = (ROOT / "src" / "handlers").glob("*.py")
    return {name for path in sources for name in _EMITTED.findall(Path(path).read_text())}


@pytest.fixture(scope="module")
def widgets(translated: Template) -> list[dict[str, Any]]:
    rendered = Rendered(translated, REQUIRED)
    body = rendered.properties("Dashboard")["DashboardBody"]
    parsed: dict[str, Any] = json.loads(body)
    return list(parsed["widgets"])


Shown = tuple[str, str, tuple[str, ...], tuple[str, ...]]


def shown(widgets: list[dict[str, Any]]) -> list[Shown]:
    """(namespace, metric, dimension names, dimension values) of every metric and search."""
    found: list[Shown] = []
    for widget in widgets:
        for entry in widget["properties"]["metrics"]:
            if isinstance(entry[0], dict):
                match = _SEARCH.search(entry[0]["expression"])
                assert match is not None, entry
                namespace, dimensions, metric = match[1], match[2].split(","), match[3]
                found.append((namespace, metric, tuple(dimensions), ()))
                continue
            namespace, metric, *pairs = [part for part in entry if isinstance(part, str)]
            found.append((namespace, metric, tuple(pairs[::2]), tuple(pairs[1::2])))
    return found


def test_the_function_emits_the_metrics_the_test_reads() -> None:
    assert {"MessagesDelivered", "EventsForwarded", "EventsDropped", "BytesProduced"} <= emitted()


def test_every_metric_of_the_functions_namespace_is_one_it_emits(
    widgets: list[dict[str, Any]],
) -> None:
    own = [entry for entry in shown(widgets) if entry[0] == NAMESPACE]
    assert own
    assert {metric for _, metric, _, _ in own} <= emitted()
    assert all(set(dimensions) <= OWN_DIMENSIONS for _, _, dimensions, _ in own)
    assert all("service" in dimensions for _, _, dimensions, _ in own)


def test_every_other_metric_is_one_aws_publishes_for_the_stacks_resources(
    widgets: list[dict[str, Any]],
) -> None:
    others = [entry for entry in shown(widgets) if entry[0] != NAMESPACE]
    assert others
    for namespace, metric, dimensions, values in others:
        (dimension,) = dimensions
        assert metric in PUBLISHED[(namespace, dimension)], (namespace, metric)
        assert set(values) <= RESOURCES, values


def test_the_dashboard_shows_what_operators_watch(widgets: list[dict[str, Any]]) -> None:
    metrics = {metric for _, metric, _, _ in shown(widgets)}
    assert {
        "MessagesDelivered", "MessagesInvalid", "MessagesRetried", "RecordsProduced",
        "BytesProduced", "EventsForwarded", "ProduceLatency", "Duration", "Errors", "Throttles",
        "ConcurrentExecutions", "ApproximateNumberOfMessagesVisible",
        "ApproximateAgeOfOldestMessage",
    } <= metrics  # fmt: skip


def test_depth_and_age_cover_the_source_and_the_dead_letter_queue(
    widgets: list[dict[str, Any]],
) -> None:
    queues = {
        (metric, values[0])
        for namespace, metric, _, values in shown(widgets)
        if namespace == "AWS/SQS"
    }
    for metric in ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"):
        assert {(metric, "${SourceQueue.QueueName}"), (metric, "${DeadLetterQueue.QueueName}")} <= (
            queues
        )


def test_the_function_metrics_are_those_of_the_stacks_service(
    widgets: list[dict[str, Any]],
) -> None:
    for namespace, _, dimensions, values in shown(widgets):
        if namespace == NAMESPACE and values:
            assert dict(zip(dimensions, values, strict=True))["service"] == SERVICE


def test_widgets_tile_the_24_column_grid_without_overlapping(
    widgets: list[dict[str, Any]],
) -> None:
    cells: set[tuple[int, int]] = set()
    for widget in widgets:
        x, y, width, height = (widget[k] for k in ("x", "y", "width", "height"))
        assert x >= 0
        assert x + width <= 24
        area = {(column, row) for column in range(x, x + width) for row in range(y, y + height)}
        assert not cells & area, widget["properties"]["title"]
        cells |= area


def test_the_operations_guide_shows_the_dashboards_current_layout() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "```text\n" + draw(layout_widgets()) + "\n```" in guide
