"""A local event source mapping: polls an SQS queue the way Lambda does and calls the handler.

Like Lambda's: it receives up to `batch_size` messages (waiting at most the batching window),
hides them for the visibility timeout, invokes the handler with the SQS event shape and a
context whose time runs out at the function timeout, deletes only what the handler
acknowledged, and leaves the rest to reappear: after the visibility timeout, or after the one the
handler set for them (its backoff, ChangeMessageVisibility), which SQS applies and this mapping
never overrides. A handler that raises or overruns its timeout acknowledges nothing. SQS's
redrive policy moves messages past maxReceiveCount to the DLQ.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from handlers.local.context import LocalContext

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

Handler = Callable[[dict[str, Any], Any], Any]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MappingConfig:
    batch_size: int = 10
    batching_window_s: float = 0.5
    visibility_timeout_s: int = 30
    function_timeout_s: float = 30.0


@dataclass
class PollStats:
    invocations: int = 0
    received: int = 0
    acknowledged: int = 0
    reported_failed: int = 0
    failed_invocations: int = 0


class LocalEventSourceMapping:
    def __init__(
        self, sqs: SQSClient, queue_url: str, handler: Handler, config: MappingConfig
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._handler = handler
        self._config = config
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        self._queue_arn = attributes["Attributes"]["QueueArn"]
        self._region = self._queue_arn.split(":")[3]
        self.stats = PollStats()

    def poll_once(self) -> int:
        """Receive one batch and invoke the handler on it; returns how many were received."""
        messages = self._receive_batch()
        if messages:
            self._invoke(messages)
        return len(messages)

    def drain(self, max_idle_s: float = 5.0, max_seconds: float = 600.0) -> PollStats:
        """Poll until the queue holds nothing (visible or in flight) or nothing came for
        `max_idle_s` while messages are still hidden, bounded by `max_seconds`."""
        started = idle_since = time.monotonic()
        while time.monotonic() - started < max_seconds:
            if self.poll_once():
                idle_since = time.monotonic()
                continue
            if self._queue_is_empty() or time.monotonic() - idle_since > max_idle_s:
                break
        return self.stats

    def _receive_batch(self) -> list[MessageTypeDef]:
        batch: list[MessageTypeDef] = []
        window_ends = time.monotonic() + self._config.batching_window_s
        while len(batch) < self._config.batch_size:
            answer = self._sqs.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=min(10, self._config.batch_size - len(batch)),
                VisibilityTimeout=self._config.visibility_timeout_s,
                WaitTimeSeconds=0 if batch else 1,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            received = answer.get("Messages", [])
            batch.extend(received)
            if not received or time.monotonic() >= window_ends:
                break
        return batch

    def _invoke(self, messages: list[MessageTypeDef]) -> None:
        event = {"Records": [self._record(m) for m in messages]}
        context = LocalContext(timeout_s=self._config.function_timeout_s)
        self.stats.invocations += 1
        self.stats.received += len(messages)
        try:
            response = self._handler(event, context)
        except Exception:
            log.exception("handler raised: the whole batch will be redelivered")
            self.stats.failed_invocations += 1
            return
        if context.timed_out:
            log.error("handler overran its %ss timeout: nothing acknowledged", context.timeout_s)
            self.stats.failed_invocations += 1
            return
        failed = _failed_ids(response, {m["MessageId"] for m in messages})
        if failed is None:
            log.error("the response failed the whole batch: nothing acknowledged")
            self.stats.failed_invocations += 1
            return
        acknowledged = [m for m in messages if m["MessageId"] not in failed]
        self._delete(acknowledged)
        self.stats.acknowledged += len(acknowledged)
        self.stats.reported_failed += len(messages) - len(acknowledged)

    def _delete(self, messages: list[MessageTypeDef]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )

    def _queue_is_empty(self) -> bool:
        return queue_depth(self._sqs, self._queue_url) == 0

    def _record(self, message: MessageTypeDef) -> dict[str, Any]:
        """One record of Lambda's SQS event, with Lambda's key names and casing."""
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {
                name: _lambda_attribute(value)
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self._queue_arn,
            "awsRegion": self._region,
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        return record


def queue_depth(sqs: SQSClient, queue_url: str) -> int:
    """How many messages the queue holds, visible or in flight (SQS's approximate counts)."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def _lambda_attribute(value: Any) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


def _failed_ids(response: Any, batch_ids: set[str]) -> set[str] | None:
    """The ids a partial batch response returns for retry, read as Lambda reads it: None (the
    whole batch failed) when an item identifier is empty, missing or not in the batch."""
    items = (response or {}).get("batchItemFailures") or []
    failed = {item.get("itemIdentifier") if isinstance(item, dict) else None for item in items}
    return {str(i) for i in failed} if failed <= batch_ids else None
