"""The AWS Lambda entry point: an SQS batch in, a partial batch response out.

See docs/contract.md#the-job. Record-level problems never raise: they become dead letters or
`batchItemFailures`.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from core.deadline import Deadline
from core.sqs_event import NotAnSqsEvent, parse_sqs_event
from handlers import container
from handlers.check import is_check_event, run_check
from handlers.observability import logger, metrics, traced
from handlers.reporting import log_report, record_metrics

# Lambda reads an empty item identifier as the failure of the whole batch: every message is
# redelivered, none deleted. For an event the forwarder cannot read message by message.
WHOLE_BATCH_FAILED: dict[str, Any] = {"batchItemFailures": [{"itemIdentifier": ""}]}


@traced
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_check_event(event):
        # `sam remote invoke --event '{"forwarder": "check"}'`: the function's own network path.
        result = run_check()
        logger.info("forwarder check", ok=result["ok"], steps=result["steps"])
        metrics.document().add_metric(
            "DeploymentCheckFailed", "Count", 0 if result["ok"] else 1
        ).write()
        return result
    forwarder = container.get(context.get_remaining_time_in_millis())
    # Read after the container is built: a cold start's set-up comes out of this invocation.
    deadline = Deadline.from_remaining_ms(context.get_remaining_time_in_millis())
    try:
        # Lambda sets the invocation's X-Ray trace header in the environment for each invocation.
        sqs_event = parse_sqs_event(event, os.environ.get("_X_AMZN_TRACE_ID"))
    except NotAnSqsEvent as exc:
        logger.error("event is not an SQS batch: the whole batch is left for retry", why=str(exc))
        metrics.document().add_metric("UnreadableEvents", "Count", 1).write()
        return WHOLE_BATCH_FAILED
    if sqs_event.messages:
        logger.set_correlation_id(sqs_event.messages[0].message_id)
    report = forwarder.forward(
        sqs_event.messages, deadline, fifo=sqs_event.fifo, source_arn=sqs_event.source_arn
    )
    log_report(logger, report)
    record_metrics(metrics, report)
    return report.response()
