"""The AWS Lambda entry point: an SQS batch in, a partial batch response out.

See docs/contract.md#the-job. Record-level problems never raise: they become dead letters or
`batchItemFailures`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from core.deadline import time_budget_s
from core.sqs_event import parse_sqs_event
from handlers import container
from handlers.observability import logger, metrics, traced
from handlers.reporting import log_report, record_metrics


@traced
@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    remaining_ms = context.get_remaining_time_in_millis()
    forwarder = container.get(remaining_ms)
    sqs_event = parse_sqs_event(event)
    if sqs_event.messages:
        logger.set_correlation_id(sqs_event.messages[0].message_id)
    report = forwarder.forward(sqs_event.messages, time_budget_s(remaining_ms), fifo=sqs_event.fifo)
    log_report(logger, report)
    record_metrics(metrics, report)
    return report.response()
