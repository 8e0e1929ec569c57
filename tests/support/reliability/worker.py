"""The local event source mapping and the real handler in a process of their own, for the
scenario that kills the handler mid-batch. Before each invocation it appends one JSON line
{messageId: ApproximateReceiveCount} to LOG (flushed), so the parent can count the receives of
a batch the process died in.

    python -m tests.support.reliability.worker QUEUE_URL LOG [the options of `forwarder poll`]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from handlers.local.poll import add_mapping_options, mapping_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.reliability.worker")
    parser.add_argument("queue_url")
    parser.add_argument("log", type=Path)
    add_mapping_options(parser)
    args = parser.parse_args(argv)

    from handlers.local.context import apply_local_defaults  # noqa: PLC0415

    apply_local_defaults()
    import boto3  # noqa: PLC0415

    from handlers.lambda_handler import handler  # noqa: PLC0415
    from handlers.local.event_source_mapping import LocalEventSourceMapping  # noqa: PLC0415

    log = args.log.open("a", encoding="utf-8")

    def logged(event: dict[str, Any], context: Any) -> Any:
        counts = {
            r["messageId"]: int(r["attributes"].get("ApproximateReceiveCount", "1"))
            for r in event["Records"]
        }
        log.write(json.dumps(counts) + "\n")
        log.flush()
        return handler(event, context)

    config = mapping_config(args)
    mapping = LocalEventSourceMapping(boto3.client("sqs"), args.queue_url, logged, config)
    stats = mapping.drain(max_idle_s=args.max_idle, max_seconds=600)
    print(json.dumps(stats.__dict__))
    return 0


if __name__ == "__main__":
    sys.exit(main())
