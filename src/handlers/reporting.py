"""What an invocation tells its operators: one log line per record that was not delivered, a
summary line, and EMF metrics. Message ids, counts and reason codes only: never a payload."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from core.outcomes import InvocationReport, Outcome

_NOT_DELIVERED = {Outcome.INVALID: "message dead-lettered", Outcome.RETRY: "message left for retry"}


def log_report(logger: Logger, report: InvocationReport) -> None:
    for fault in report.faults:
        logger.error("a port failed: its messages are left for retry", fault=fault)
    for topic, reason in sorted(report.unwritable_topics.items()):
        logger.error(
            "topic cannot be written: messages are left for retry", topic=topic, reason=reason
        )
    for outcome in report.outcomes:
        if outcome.outcome in _NOT_DELIVERED:
            logger.warning(
                _NOT_DELIVERED[outcome.outcome],
                message_id=outcome.message_id,
                error_class=outcome.error_class,
                reason=outcome.reason,
            )
    logger.info(
        "invocation done",
        messages=len(report.outcomes),
        delivered=report.count(Outcome.DELIVERED),
        invalid=report.count(Outcome.INVALID),
        retried=report.count(Outcome.RETRY),
        records_produced=report.records_produced,
        bytes_produced=report.bytes_produced,
        produce_ms=round(report.produce_seconds * 1000, 1),
        ack_waits=report.ack_waits,
        secret_refreshes=report.secret_refreshes,
        postponed=report.postponed,
        probes=report.probes,
        dropped=dict(report.dropped),
        events_forwarded=dict(report.events_forwarded),
        events_dropped=dict(report.events_dropped),
    )


def record_metrics(metrics: Metrics, report: InvocationReport) -> None:
    metrics.add_metric("MessagesDelivered", MetricUnit.Count, report.count(Outcome.DELIVERED))
    metrics.add_metric("MessagesInvalid", MetricUnit.Count, report.count(Outcome.INVALID))
    metrics.add_metric("MessagesRetried", MetricUnit.Count, report.count(Outcome.RETRY))
    metrics.add_metric("RecordsProduced", MetricUnit.Count, report.records_produced)
    metrics.add_metric("BytesProduced", MetricUnit.Bytes, report.bytes_produced)
    metrics.add_metric("SecretRefreshes", MetricUnit.Count, report.secret_refreshes)
    metrics.add_metric("TopicUnwritable", MetricUnit.Count, len(report.unwritable_topics))
    metrics.add_metric("PortFaults", MetricUnit.Count, len(report.faults))
    metrics.add_metric("MessagesPostponed", MetricUnit.Count, report.postponed)
    if report.ack_waits:
        metrics.add_metric("ProduceLatency", MetricUnit.Milliseconds, report.produce_seconds * 1000)
    # One metric per setting that dropped something, told apart by a dimension.
    for reason, count in sorted(report.dropped.items()):
        _dimensioned(metrics, "EventsDropped", count, "reason", reason)
    # Per event type (a bounded set: core.event_types), for delivered messages only.
    for event_type, count in sorted(report.events_forwarded.items()):
        _dimensioned(metrics, "EventsForwarded", count, "event_type", event_type)
    for event_type, count in sorted(report.events_dropped.items()):
        _dimensioned(metrics, "EventsDropped", count, "event_type", event_type)


def _dimensioned(metrics: Metrics, name: str, count: int, dimension: str, value: str) -> None:
    """A metric of its own EMF document, told apart from its siblings by one dimension.

    The document is what `single_metric` writes, through one provider kept per namespace and
    cleared after each document: `single_metric` builds a provider per call, a third of the cost
    of each of these documents (several per invocation)."""
    document = _DOCUMENTS.get(metrics.namespace)
    if document is None:
        document = _DOCUMENTS[metrics.namespace] = EphemeralMetrics(namespace=metrics.namespace)
    try:
        document.add_dimension(dimension, value)
        document.add_metric(name, MetricUnit.Count, count)
        document.flush_metrics()
    finally:
        document.clear_metrics()  # flush clears too, unless it raised or metrics are disabled


_DOCUMENTS: dict[str | None, EphemeralMetrics] = {}
