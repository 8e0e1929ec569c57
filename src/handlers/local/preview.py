"""`forwarder preview [--config FILE] INPUT`: print the Kafka records an SQS event would make.

A dry run with no Kafka and no AWS. INPUT is an SQS event (the JSON `sam local invoke -e` takes);
settings come from FILE (a JSON object, lower-case keys) or else the environment, and the Kafka
connection settings are not needed. One compact JSON line per Kafka record, per invalid SQS
record, and per SQS record delivered without any Kafka record (saying why), in input order.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import orjson

from core.connection import EVENTLESS_BATCH
from core.errors import SettingsError
from core.kafka_records import KafkaRecord
from core.settings import Settings, load_settings, load_settings_file
from core.sqs_event import NotAnSqsEvent, SqsMessage, parse_sqs_event
from core.transform import BatchTransform, Rejected, Transformed

EXIT_OK = 0
EXIT_USAGE = 2


class UsageError(Exception):
    """INPUT cannot be used; the message says what to fix."""


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser(
        "preview",
        help="show the Kafka records an SQS event would make (no Kafka, no AWS)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="JSON object of settings with lower-case keys (default: the environment)",
    )
    parser.add_argument("input", metavar="INPUT", help='SQS event JSON file ({"Records": [...]})')
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    try:
        settings = _settings(arguments.config)
        messages = read_sqs_event(Path(arguments.input))
    except (SettingsError, UsageError) as exc:
        print(f"forwarder preview: {exc}", file=sys.stderr)
        return EXIT_USAGE
    transform = BatchTransform.from_settings(settings)
    try:
        for message in messages:
            _print_outcome(transform, message)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (`| head`): not an error. Point stdout at /dev/null so the
        # interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK


def _print_outcome(transform: BatchTransform, message: SqsMessage) -> None:
    result = transform.apply(message)
    if isinstance(result, Rejected):
        _emit({"message_id": result.message_id, "outcome": "invalid", "reason": result.reason})
        return
    if not result.records:  # delivered with nothing to send: say so, and why
        _emit(_empty_line(result))
        return
    for record in result.records:
        _emit(_record_line(result.message_id, record))


def _settings(config: str | None) -> Settings:
    return load_settings("preview") if config is None else load_settings_file(config, "preview")


def read_sqs_event(path: Path) -> tuple[SqsMessage, ...]:
    """The messages of an SQS event file; `UsageError` says what is wrong with it."""
    try:
        event = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read INPUT {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"INPUT {path} is not JSON ({exc}); give an SQS event file") from None
    try:
        return parse_sqs_event(event).messages
    except NotAnSqsEvent as exc:
        raise UsageError(
            f'INPUT {path} is not an SQS event ({exc}); give {{"Records": [...]}} as '
            "`sam local invoke -e` takes"
        ) from None


def _empty_line(result: Transformed) -> dict[str, Any]:
    """A message that makes no record: its batch had no events left and
    `SEND_BATCHES_WITHOUT_EVENTS` is false; `dropped` counts what the settings removed."""
    return {
        "message_id": result.message_id,
        "outcome": "delivered",
        "records": 0,
        "reason": EVENTLESS_BATCH,  # the only way a message makes no record
        "dropped": dict(result.dropped),
    }


def _record_line(message_id: str, record: KafkaRecord) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "topic": record.topic or None,
        "key": None if record.key is None else record.key.decode(),
        "headers": {name: value.decode() for name, value in record.headers},
        # The value's own bytes, not a re-parse: 64-bit ids keep every digit.
        "value": orjson.Fragment(record.value),
    }


def _emit(line: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(line).decode() + "\n")
