"""The real handler in a process whose memory is capped as a Lambda function's is, invoked once
with one SQS message that expands into far more record bytes than the cap.

    python -m tests.support.reliability.memory_worker MEGABYTES TIMEOUT_SECONDS

Reads the forwarder's settings from the environment; prints the handler's response as the last
line of stdout. The cap is RLIMIT_AS (address space), a stricter bound than Lambda's, which
counts only memory in use: what passes here passes there.
"""

from __future__ import annotations

import json
import resource
import sys

from bench.memory import amplified_body


def main(megabytes: int, timeout_s: float) -> int:
    cap = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from handlers.lambda_handler import handler  # noqa: PLC0415 (imports count under the cap)
    from handlers.local.context import LocalContext, local_sqs_event  # noqa: PLC0415

    response = handler(
        local_sqs_event([amplified_body()], "amp"), LocalContext(timeout_s=timeout_s)
    )
    sys.stdout.flush()
    print(json.dumps(response))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), float(sys.argv[2])))
