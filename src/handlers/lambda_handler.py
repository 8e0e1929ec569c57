"""The AWS Lambda entry point: an SQS batch in, a partial batch response out (spec section 1).

It parses the event, hands it to the container's forwarder and reports. Record-level problems
never raise: they become dead letters or `batchItemFailures`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.sqs_event import parse_sqs_event
from handlers.reporting import log_report, record_metrics
from handlers.wiring import container_forwarder

# Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME and
# POWERTOOLS_METRICS_NAMESPACE, which the SAM template sets (and the local commands default).
logger = Logger()
metrics = Metrics()
metrics.namespace = metrics.namespace or "KafkaEventForwarder"  # emit, never fail, without it
# Tracer() imports the X-Ray SDK, and with it botocore, even when tracing is off (half of this
# module's cold import): build it only when Powertools would trace, by its own rule (in Lambda
# and POWERTOOLS_TRACE_DISABLED not true). Off, its decorator only opened no-op segments.
tracer = None if Tracer._is_tracer_disabled() else Tracer()
# The context is any object shaped like LambdaContext (LocalContext outside Lambda).
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
# At DEBUG, kafka-python logs record contents and botocore logs response bodies (the secret):
# keep these libraries at WARNING whatever our own log level is.
for _library in ("kafka", "botocore", "boto3", "urllib3"):
    logging.getLogger(_library).setLevel(logging.WARNING)


def time_budget_s(remaining_ms: int) -> float:
    """Time the forwarder may spend waiting for Kafka: the rest is kept for the dead-letter
    send and the response (at most 5 s, or a fifth of what is left)."""
    remaining_s = remaining_ms / 1000
    return max(0.0, remaining_s - min(5.0, remaining_s / 5))


def _traced(function: Handler) -> Handler:
    """Powertools' handler subsegment when tracing is on; the function itself when it is off."""
    if tracer is None:
        return function
    traced: Handler = tracer.capture_lambda_handler(capture_response=False)(function)
    return traced


@_traced
@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    remaining_ms = context.get_remaining_time_in_millis()
    forwarder = container_forwarder(remaining_ms)
    sqs_event = parse_sqs_event(event)
    if sqs_event.messages:
        logger.set_correlation_id(sqs_event.messages[0].message_id)
    report = forwarder.forward(sqs_event.messages, time_budget_s(remaining_ms), fifo=sqs_event.fifo)
    log_report(logger, report)
    record_metrics(metrics, report)
    return report.response()
