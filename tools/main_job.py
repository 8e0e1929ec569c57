"""`make run` (`python -m tools.main_job`): the main job end to end on the local defaults.

Start the stack, send the batches of `events/` into the moto queue, run the local event source
mapping until the queue is drained, print a summary and the records read back from the topic,
stop the stack (when this run started it).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.kafka_records import body_digest
from local_stack import StackError, StackInfo, env_vars, load, read_topic, start, stop
from local_stack.queues import peek_queue

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

EVENTS = Path(__file__).resolve().parent.parent / "events"
_VALUE_WIDTH = 110


def forwarder_env(info: StackInfo) -> dict[str, str]:
    """The settings a deployment would get, pointed at the local stack (SCRAM-SHA-512)."""
    return env_vars(info) | {
        "POWERTOOLS_SERVICE_NAME": "kafka-event-forwarder-local",
        "POWERTOOLS_LOG_LEVEL": "ERROR",  # dead letters are printed below
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def main() -> int:
    already_running = load() is not None
    info = start()
    try:
        return run(info)
    finally:
        if not already_running:
            stop()


def run(info: StackInfo) -> int:
    os.environ.update(forwarder_env(info))
    from handlers import container  # noqa: PLC0415 (Powertools reads the environment at import)

    try:
        return _job(info)
    finally:
        # The process ends as a Lambda container does: its producer closes before the stack
        # stops (else it logs a reconnect error every 100 ms until the interpreter exits).
        container.reset()


def _job(info: StackInfo) -> int:
    import boto3  # noqa: PLC0415 (after AWS_ENDPOINT_URL is set)

    from handlers.lambda_handler import handler  # noqa: PLC0415
    from handlers.local.event_source_mapping import LocalEventSourceMapping, MappingConfig  # noqa: PLC0415

    sqs = boto3.client("sqs")
    earlier = _positions(info)
    sent = send_events(sqs, info.queue_url)
    print(f"sent {len(sent)} SQS messages from {EVENTS.name}/ to {info.queue_url}")
    started = time.monotonic()
    config = MappingConfig(batch_size=10, batching_window_s=0.2, visibility_timeout_s=2)
    mapping = LocalEventSourceMapping(sqs, info.queue_url, handler, config)
    stats = mapping.drain(max_idle_s=5)
    elapsed = time.monotonic() - started
    invalid = count_dead_letters(sqs, info.invalid_url, set(sent))
    # Dedup ids come from the bodies, so an earlier run's records of the same files carry the
    # same ids: this run's are those after the topic's end when it began.
    files = {body_digest(body): name for body, name in sent.values()}
    records = [
        r
        for r in read_topic(info, info.topic, timeout_s=10)
        if (r.partition, r.offset) not in earlier and _dedup_id(r).rsplit(":", 1)[0] in files
    ]
    print(
        f"summary: {stats.acknowledged - invalid} delivered, {invalid} invalid (dead-lettered), "
        f"{stats.reported_failed} retried SQS messages; {len(records)} Kafka records "
        f"in {stats.invocations} invocations, {elapsed:.1f}s"
    )
    for record in records:
        print_record(record, files)
    return 0 if stats.acknowledged == len(sent) else 1


def _positions(info: StackInfo) -> set[tuple[int, int]]:
    """(partition, offset) of every record the topic holds already (none before its creation)."""
    try:
        return {(r.partition, r.offset) for r in read_topic(info, info.topic, timeout_s=10)}
    except StackError:
        return set()


def send_events(sqs: SQSClient, queue_url: str) -> dict[str, tuple[str, str]]:
    """Send every SQS record body of every events/ file; returns message id -> (body, file)."""
    sent: dict[str, tuple[str, str]] = {}
    for path in sorted(EVENTS.glob("*.json")):
        for record in json.loads(path.read_text(encoding="utf-8"))["Records"]:
            answer = sqs.send_message(QueueUrl=queue_url, MessageBody=record["body"])
            sent[answer["MessageId"]] = (record["body"], path.name)
    return sent


def count_dead_letters(sqs: SQSClient, invalid_url: str, ids: set[str]) -> int:
    """Count (and print) this run's dead letters, with their reasons."""
    count = 0
    for message in peek_queue(sqs, invalid_url, hide_s=30):
        attributes = message.get("MessageAttributes", {})
        source = attributes.get("source-message-id", {}).get("StringValue")
        if source in ids:
            count += 1
            print(f"dead letter: {source} reason={attributes['error-reason']['StringValue']}")
    return count


def print_record(record: Any, files: dict[str, str]) -> None:
    """Key, headers and the value cut to one line."""
    headers = {name: value.decode() for name, value in record.headers}
    value = record.value.decode()
    if len(value) > _VALUE_WIDTH:
        value = value[: _VALUE_WIDTH - 1] + "…"
    key = record.key.decode() if record.key is not None else None
    source = files[headers["x-forwarder-dedup-id"].rsplit(":", 1)[0]]
    print(f"[{source}] partition={record.partition} key={key} headers={headers}")
    print(f"    {value}")


def _dedup_id(record: Any) -> str:
    headers = dict(record.headers)
    return str(headers.get("x-forwarder-dedup-id", b"").decode())


if __name__ == "__main__":
    sys.exit(main())
