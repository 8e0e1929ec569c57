"""`forwarder poll`: the local event source mapping, feeding the handler from an SQS queue."""

from __future__ import annotations

import argparse
import json
import sys

from core.errors import SettingsError
from handlers.local.context import apply_local_defaults
from handlers.local.event_source_mapping import LocalEventSourceMapping, MappingConfig


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "poll",
        help="poll an SQS queue like Lambda's event source mapping and run the handler",
        description="Receive batches from QUEUE_URL, invoke the handler on each with Lambda's "
        "SQS event shape, delete what it acknowledged, until the queue is drained.",
    )
    parser.add_argument("queue_url", metavar="QUEUE_URL")
    add_mapping_options(parser)
    parser.set_defaults(run=run)


def add_mapping_options(parser: argparse.ArgumentParser) -> None:
    """The options of the event source mapping (shared with the reliability tests' worker)."""
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--batching-window", type=float, default=0.5, metavar="SECONDS")
    parser.add_argument("--visibility-timeout", type=int, default=30, metavar="SECONDS")
    parser.add_argument("--function-timeout", type=float, default=30.0, metavar="SECONDS")
    parser.add_argument(
        "--max-idle",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="stop after this long without a message while some are still in flight",
    )


def mapping_config(args: argparse.Namespace) -> MappingConfig:
    return MappingConfig(
        batch_size=args.batch_size,
        batching_window_s=args.batching_window,
        visibility_timeout_s=args.visibility_timeout,
        function_timeout_s=args.function_timeout,
    )


def run(args: argparse.Namespace) -> int:
    apply_local_defaults()
    import boto3  # noqa: PLC0415

    from core.settings import load_settings  # noqa: PLC0415
    from handlers.lambda_handler import handler  # noqa: PLC0415

    try:
        load_settings("lambda")  # a bad setting stops here, not on every batch
    except SettingsError as exc:
        print(f"forwarder poll: {exc}", file=sys.stderr)
        return 2

    mapping = LocalEventSourceMapping(
        boto3.client("sqs"), args.queue_url, handler, mapping_config(args)
    )
    stats = mapping.drain(max_idle_s=args.max_idle)
    print(json.dumps(stats.__dict__))
    return 0
