"""What an invocation tells its operators: one log line per record that was not delivered, a
summary line, and EMF metrics. Message ids, counts and reason codes only: never a payload."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from core.outcomes import InvocationReport, Outcome
from handlers.emf import Emf

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


def record_metrics(metrics: Emf, report: InvocationReport) -> None:
    """The invocation's EMF documents: one with the counts, one per drop reason and per event
    type (docs/operations.md#metrics)."""
    counts = metrics.document()
    counts.add_metric("MessagesDelivered", "Count", report.count(Outcome.DELIVERED))
    counts.add_metric("MessagesInvalid", "Count", report.count(Outcome.INVALID))
    counts.add_metric("MessagesRetried", "Count", report.count(Outcome.RETRY))
    counts.add_metric("RecordsProduced", "Count", report.records_produced)
    counts.add_metric("BytesProduced", "Bytes", report.bytes_produced)
    counts.add_metric("SecretRefreshes", "Count", report.secret_refreshes)
    counts.add_metric("TopicUnwritable", "Count", len(report.unwritable_topics))
    counts.add_metric("PortFaults", "Count", len(report.faults))
    counts.add_metric("MessagesPostponed", "Count", report.postponed)
    if report.ack_waits:
        counts.add_metric("ProduceLatency", "Milliseconds", report.produce_seconds * 1000)
    counts.write()
    # One metric per setting that dropped something, told apart by a dimension.
    for reason, count in sorted(report.dropped.items()):
        _dimensioned(metrics, "EventsDropped", count, "reason", reason)
    # Per event type (a bounded set: core.event_types), for delivered messages only.
    for event_type, count in sorted(report.events_forwarded.items()):
        _dimensioned(metrics, "EventsForwarded", count, "event_type", event_type)
    for event_type, count in sorted(report.events_dropped.items()):
        _dimensioned(metrics, "EventsDropped", count, "event_type", event_type)


def _dimensioned(metrics: Emf, name: str, count: int, dimension: str, value: str) -> None:
    """A metric of its own EMF document, told apart from its siblings by one dimension."""
    metrics.document({dimension: value}).add_metric(name, "Count", count).write()
