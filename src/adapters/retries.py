"""The retry scheduler behind `core.ports.RetryScheduler`: SQS ChangeMessageVisibilityBatch on the
queue the event came from, ten entries a call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from adapters.sqs_client import SqsOnFirstUse
from core.backoff import Postponement
from core.deadline import Deadline

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import ChangeMessageVisibilityBatchRequestEntryTypeDef

_MAX_ENTRIES = 10  # SQS's limit per ChangeMessageVisibilityBatch call


class SqsRetryScheduler:
    """Sets the visibility timeout of messages returned for retry."""

    def __init__(self, client: Callable[[], SQSClient], worst_call_s: float) -> None:
        """`client` makes the SQS client on the first retry (`SqsOnFirstUse`); `worst_call_s`:
        how long one call may take with the client's timeouts; a call is not started with less
        time than that left."""
        self._client = SqsOnFirstUse(client)
        self._worst_call_s = worst_call_s

    def close(self) -> None:
        """Close the SQS client's connections, if a retry made it."""
        self._client.close()

    def postpone(
        self, queue_arn: str, postponements: Sequence[Postponement], deadline: Deadline
    ) -> set[str]:
        return self._postpone(self._client.get(), queue_arn, postponements, deadline)

    def _postpone(
        self,
        client: SQSClient,
        queue_arn: str,
        postponements: Sequence[Postponement],
        deadline: Deadline,
    ) -> set[str]:
        queue_url = queue_url_of(queue_arn, client.meta.endpoint_url)
        if queue_url is None:
            return {p.message_id for p in postponements}
        failed: set[str] = set()
        for start in range(0, len(postponements), _MAX_ENTRIES):
            chunk = postponements[start : start + _MAX_ENTRIES]
            if not deadline.allows(self._worst_call_s):  # not started: the queue's timeout holds
                failed.update(p.message_id for p in chunk)
                continue
            entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
                {"Id": str(i), "ReceiptHandle": p.receipt_handle, "VisibilityTimeout": p.seconds}
                for i, p in enumerate(chunk)
            ]
            try:
                answer = client.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)
            except (BotoCoreError, ClientError):
                failed.update(p.message_id for p in chunk)
                continue
            failed.update(chunk[int(f["Id"])].message_id for f in answer.get("Failed", []))
        return failed


def queue_url_of(queue_arn: str, endpoint_url: str) -> str | None:
    """`arn:aws:sqs:<region>:<account>:<name>` as a queue URL on the client's endpoint (the
    function's region, which is the queue's: an event source mapping never crosses regions);
    None for anything else. No GetQueueUrl call, so no permission and no round trip for it."""
    parts = queue_arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs" or not all(parts[4:]):
        return None
    return f"{endpoint_url.rstrip('/')}/{parts[4]}/{parts[5]}"
