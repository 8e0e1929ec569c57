"""`forwarder check [--json]`: the deployment check (handlers/check.py) with the settings from the
environment, as the function would run it; one line per step, exit 1 at the first failure."""

from __future__ import annotations

import argparse
import json

from handlers.local.context import apply_local_defaults


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="check the deployment's settings, secret, network, TLS, login, topic and DLQ",
        description="Check each step from the settings to the dead-letter queue, one line per "
        "step with a fix hint on failure; stop and exit 1 at the first failure.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    apply_local_defaults()
    from handlers.check import run_check  # noqa: PLC0415

    result = run_check()
    if args.json:
        print(json.dumps(result))
    else:
        for step in result["steps"]:
            status = "ok  " if step["ok"] else "FAIL"
            hint = f" -> {step['hint']}" if step["hint"] and not step["ok"] else ""
            print(f"{status} {step['name']}: {step['detail']}{hint}")
    return 0 if result["ok"] else 1
