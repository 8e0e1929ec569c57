"""The `forwarder` command: one sub-command per module, each registering its own parser.

A sub-command module provides `register(subcommands)`, which adds its parser and sets `run` (a
function from the parsed arguments to the exit code) as the parser's default. Exit codes: 0 when
the command ran, 2 for a usage or configuration error (with a message on stderr).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from types import ModuleType

from handlers.local import check, invoke, poll, preview

Run = Callable[[argparse.Namespace], int]

# Add a sub-command by adding its module here.
SUBCOMMANDS: tuple[ModuleType, ...] = (preview, invoke, poll, check)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="forwarder",
        description="Kafka Event Forwarder tools: mParticle batches from SQS to Apache Kafka.",
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sub-command in `argv` (default: the process arguments); return its exit code."""
    parser = build_parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage error or the help
        return exc.code if isinstance(exc.code, int) else 2
    run: Run = arguments.run
    return run(arguments)
