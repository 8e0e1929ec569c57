"""A Lambda context for running the handler outside Lambda, its remaining time counting down."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LocalContext:
    """The attributes Powertools and the handler read from `LambdaContext`."""

    timeout_s: float = 30.0
    function_name: str = "ForwarderFunction"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:ForwarderFunction"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/ForwarderFunction"
    log_stream_name: str = "local"
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_s - elapsed) * 1000))

    @property
    def timed_out(self) -> bool:
        return self.get_remaining_time_in_millis() == 0


# What the SAM template sets for Powertools in Lambda, for runs outside it.
LOCAL_POWERTOOLS_ENV = {
    "POWERTOOLS_SERVICE_NAME": "kafka-event-forwarder",
    "POWERTOOLS_METRICS_NAMESPACE": "KafkaEventForwarder",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def apply_local_defaults() -> None:
    """Fill in the Powertools variables Lambda would have; values already set win."""
    for name, value in LOCAL_POWERTOOLS_ENV.items():
        os.environ.setdefault(name, value)


def _md5(body: str) -> str:
    """SQS's body checksum (not a security use)."""
    return hashlib.md5(body.encode(errors="surrogatepass"), usedforsecurity=False).hexdigest()


LOCAL_QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:forwarder-events"


def local_sqs_event(
    bodies: Sequence[str], prefix: str = "msg", queue_arn: str = LOCAL_QUEUE_ARN
) -> dict[str, Any]:
    """A Lambda SQS event with one record per body, message ids `<prefix>-<n>`."""
    records = [
        {
            "messageId": f"{prefix}-{n}",
            "receiptHandle": f"handle-{prefix}-{n}",
            "body": str(body),  # a plain str, as Lambda's JSON decoder makes
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "md5OfBody": _md5(str(body)),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": queue_arn.split(":")[3],
        }
        for n, body in enumerate(bodies)
    ]
    return {"Records": records}
