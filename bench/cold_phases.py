"""Where a cold start's time goes: run by python3.13 inside the built package (its only imports
are the standard library and the package), it imports what the first invocation needs in the
order the invocation would, invokes the handler once and prints `MARKS` and a JSON object: the
milliseconds from its start to each step's end, in wall time and in the process's CPU time (all
its threads: on a loaded machine the steadier of the two).

    PYTHONPATH=<package> python3.13 bench/cold_phases.py [minimal]
                                          (`python -m bench.cold_start --phases N` runs both)

`minimal`: the minimal handler's imports (boto3, Powertools' Logger) instead.

The steps after `invoked` come from kafka-python's own log lines (the bootstrap connection's TLS
handshake and SASL login, its metadata, the leader connection's, the producer id) and from the
adapter (the secret read, the record acknowledged).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

STARTED = time.perf_counter()
STARTED_CPU = time.process_time()
MARKS: dict[str, tuple[float, float]] = {}  # step: (wall ms, process CPU ms) at its end
# kafka-python log lines that end a step, in the order they come, and the step they end.
KAFKA_STEPS = (
    ("connected to", "bootstrap TLS handshake"),
    ("Authenticated", "bootstrap SASL login"),
    ("Bootstrap complete", "bootstrap metadata"),
    ("connected to", "leader TLS handshake"),
    ("Authenticated", "leader SASL login"),
    ("ProducerId set to", "producer id"),
)


def mark(step: str) -> None:
    if step not in MARKS:
        wall, cpu = time.perf_counter() - STARTED, time.process_time() - STARTED_CPU
        MARKS[step] = (wall * 1000, cpu * 1000)


class KafkaSteps(logging.Handler):
    """Marks the end of each step of KAFKA_STEPS when its log line comes."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.next = 0

    def emit(self, record: logging.LogRecord) -> None:
        if self.next == len(KAFKA_STEPS):
            return
        text, step = KAFKA_STEPS[self.next]
        message = record.getMessage()
        if text in message and not message.endswith("-1 with epoch -1"):
            mark(step)
            self.next += 1


def wrap(owner: Any, name: str, step: str) -> None:
    """Mark `step` when `owner.name` returns (the first time)."""
    function = getattr(owner, name)

    def marked(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        mark(step)
        return result

    setattr(owner, name, marked)


class Context:
    """The attributes the handler and Powertools read from Lambda's context."""

    aws_request_id = "cold-phases"
    function_name = "kafka-event-forwarder"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:kafka-event-forwarder"
    log_group_name = "/aws/lambda/kafka-event-forwarder"
    log_stream_name = "cold-phases"

    def __init__(self) -> None:
        self._ends = time.monotonic() + 60

    def get_remaining_time_in_millis(self) -> int:
        return int((self._ends - time.monotonic()) * 1000)


def event() -> dict[str, Any]:
    body = '{"mpid": 1, "events": [{"event_type": "screen_view", "data": {"screen_name": "H"}}]}'
    record = {
        "messageId": "cold-0",
        "receiptHandle": "handle-cold-0",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:forwarder-events",
        "awsRegion": "us-east-1",
    }
    return {"Records": [record]}


def minimal() -> None:
    """The minimal handler's imports, for comparison."""
    import boto3  # noqa: F401, PLC0415

    mark("boto3 imported")
    from aws_lambda_powertools import Logger  # noqa: PLC0415

    Logger()
    mark("Powertools Logger imported and made")
    print("MARKS", json.dumps(MARKS), flush=True)


def main() -> None:
    if sys.argv[1:] == ["minimal"]:
        minimal()
        return
    import handlers.lambda_handler as entry  # noqa: PLC0415

    mark("handler module imported (the runtime's init)")
    import core.settings  # noqa: F401, PLC0415

    mark("pydantic-settings and the settings model imported")
    import adapters.kafka_producer as producer  # noqa: PLC0415

    mark("kafka-python imported")
    from adapters import secrets  # noqa: PLC0415

    mark("boto3 and Powertools parameters imported")
    from handlers import container  # noqa: PLC0415

    kafka_log = logging.getLogger("kafka")
    kafka_log.setLevel(logging.INFO)
    kafka_log.addHandler(KafkaSteps())
    wrap(container.Container, "_build", "container built (settings, boto3 client)")
    wrap(secrets.SecretsManagerSource, "get", "secret read")
    wrap(producer.KafkaRecordProducer, "connect", "producer made")
    wrap(producer.KafkaRecordProducer, "produce", "record acknowledged")
    stdout = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the handler's log lines
    try:
        response = entry.handler(event(), Context())
    finally:
        os.dup2(stdout, 1)
    mark("invocation returned")
    if response != {"batchItemFailures": []}:
        raise SystemExit(f"the invocation failed: {response}")
    print("MARKS", json.dumps(MARKS), flush=True)


if __name__ == "__main__":
    main()
