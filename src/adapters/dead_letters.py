"""The dead-letter sink behind `core.ports.DeadLetterSink`: SQS SendMessageBatch with the
reason in message attributes `error-class` and `error-reason`. To a FIFO queue (its name ends in
`.fifo`) each letter goes in its source message's group (else a group of its own) with the body
digest as `MessageDeduplicationId`, so a letter sent again within SQS's 5-minute window (a retried
invocation, an identical resend) is stored once."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from adapters.sqs_client import SqsOnFirstUse
from core.deadline import Deadline
from core.kafka_records import body_digest
from core.outcomes import DeadLetter

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

# SQS limits a SendMessageBatch call to 10 entries and 256 KiB of payload in all.
_MAX_ENTRIES = 10
_MAX_BATCH_BYTES = 256 * 1024


class SqsDeadLetterSink:
    """Writes invalid SQS messages, unchanged, to the dead-letter queue."""

    def __init__(
        self, queue_url: str, client: Callable[[], SQSClient], worst_call_s: float
    ) -> None:
        """`client` makes the SQS client when the first letter is sent (`SqsOnFirstUse`);
        `worst_call_s`: how long one SendMessageBatch attempt may take with the client's
        timeouts; a call is not started with less time than that left."""
        self._queue_url = queue_url
        self._fifo = queue_url.endswith(".fifo")
        self._client = SqsOnFirstUse(client)
        self._worst_call_s = worst_call_s

    def close(self) -> None:
        """Close the SQS client's connections, if a dead letter made it."""
        self._client.close()

    def send(self, letters: Sequence[DeadLetter], deadline: Deadline) -> set[str]:
        # A body that is not valid Unicode (a lone surrogate: only a crafted event can carry one,
        # SQS itself replaces them) cannot be sent unchanged: it is left for retry, so SQS's
        # redrive policy moves the original to the dead-letter queue after maxReceiveCount.
        failed = {letter.message_id for letter in letters if not _encodable(letter.body)}
        sendable = [letter for letter in letters if letter.message_id not in failed]
        for chunk in _chunks(sendable):
            if not deadline.allows(self._worst_call_s):  # not started: left for retry
                failed.update(letter.message_id for letter in chunk)
                continue
            entries = [_entry(str(i), letter, fifo=self._fifo) for i, letter in enumerate(chunk)]
            try:
                answer = self._client.get().send_message_batch(
                    QueueUrl=self._queue_url, Entries=entries
                )
            except (BotoCoreError, ClientError):
                failed.update(letter.message_id for letter in chunk)
                continue
            failed.update(chunk[int(f["Id"])].message_id for f in answer.get("Failed", []))
        return failed


def _entry(entry_id: str, letter: DeadLetter, *, fifo: bool) -> SendMessageBatchRequestEntryTypeDef:
    attributes: dict[str, Any] = {
        "error-class": {"DataType": "String", "StringValue": letter.error_class or "unknown"},
        "error-reason": {"DataType": "String", "StringValue": letter.reason or "unknown"},
        "source-message-id": {"DataType": "String", "StringValue": letter.message_id},
    }
    entry: SendMessageBatchRequestEntryTypeDef = {
        "Id": entry_id,
        "MessageBody": letter.body,
        "MessageAttributes": attributes,
    }
    if fifo:
        entry["MessageGroupId"] = letter.group_id or letter.message_id
        entry["MessageDeduplicationId"] = body_digest(letter.body)
    return entry


def _encodable(body: str) -> bool:
    try:
        body.encode()
    except UnicodeEncodeError:
        return False
    return True


def _chunks(letters: Sequence[DeadLetter]) -> Iterator[list[DeadLetter]]:
    chunk: list[DeadLetter] = []
    size = 0
    for letter in letters:
        letter_size = len(letter.body.encode()) + 512  # attributes and framing
        if chunk and (len(chunk) == _MAX_ENTRIES or size + letter_size > _MAX_BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(letter)
        size += letter_size
    if chunk:
        yield chunk
