"""`forwarder invoke EVENT.json`: run the Lambda handler once on an SQS event file, against the
configured Kafka and AWS endpoint, and print its response (a Docker-free `sam local invoke`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.errors import SettingsError
from handlers.local.context import LocalContext, apply_local_defaults


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "invoke",
        help="run the Lambda handler once on an SQS event file",
        description="Run the handler on EVENT (the JSON `sam local invoke -e` takes) with the "
        "settings from the environment, and print its response (batchItemFailures).",
    )
    parser.add_argument("event", type=Path, metavar="EVENT.json")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="function timeout in seconds (default 30)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        event = json.loads(args.event.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"forwarder invoke: cannot read {args.event}: {exc}", file=sys.stderr)
        return 2
    apply_local_defaults()
    from handlers.lambda_handler import handler  # noqa: PLC0415 (its import sets up logging)

    try:
        response = handler(event, LocalContext(timeout_s=args.timeout))
    except SettingsError as exc:
        print(f"forwarder invoke: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(response))
    return 0
