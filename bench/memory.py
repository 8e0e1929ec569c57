"""Peak RSS of one invocation in a fresh process (per-event mode): 6 MB of SQS bodies, and one
254 KiB message that expands into 6,800 records of ~128 KiB (850 MiB of values).

The parent deploys (topic, environment) and runs `python -m bench.memory MB` as a child that
imports the handler, builds the SQS event, invokes the handler once against the local broker and
prints its peak RSS before and after. The peak is VmHWM, the high-water mark of the process's own
memory: Linux carries ru_maxrss across exec, so a child of the (bigger) bench process would report
the parent's peak through getrusage; ru_maxrss is kept for reference.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.deploy import deploy
from local_stack import StackInfo

_BATCH_EVENTS = 50  # ~57 KB bodies, as SQS carries them
AMPLIFIED = "amplified"
# The invocation's time: generous, so that a loaded machine measures the same memory; the time
# it took is reported beside the peak (the template's default timeout is 60 s).
_FUNCTION_TIMEOUT_S = 300.0


AMPLIFIED_EVENTS = 6_800


def amplified_body() -> str:
    """128 KiB of user attributes and 6,800 tiny events in one 254 KiB body: per-event mode
    copies the attributes into every record (850 MiB of values)."""
    return json.dumps(
        {
            "mpid": 1,
            "user_attributes": {"a": "x" * 131_000},
            "events": [{"event_type": "x"}] * AMPLIFIED_EVENTS,
        }
    )


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return _ru_maxrss_mb()  # not Linux: getrusage is then the only measure


def _ru_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(load: str) -> dict[str, Any]:
    """Invoke the handler once with `load` (megabytes of bodies, or `amplified`); the RSS
    figures and what was sent."""
    from handlers import container  # noqa: PLC0415
    from handlers.lambda_handler import handler  # noqa: PLC0415
    from handlers.local.context import LocalContext, local_sqs_event  # noqa: PLC0415

    after_imports = _peak_mb()
    # What the first invocation would build first (settings, boto3, kafka-python, the SQS
    # client), built here so that its share shows apart; the invocation then reuses it.
    container.get(int(_FUNCTION_TIMEOUT_S * 1000))
    after_container = _peak_mb()
    bodies = [amplified_body()] if load == AMPLIFIED else _bodies(float(load))
    event = local_sqs_event(bodies, "mem")
    before = _peak_mb()
    started = time.monotonic()
    response = handler(event, LocalContext(timeout_s=_FUNCTION_TIMEOUT_S))
    seconds = time.monotonic() - started
    if response["batchItemFailures"]:
        raise RuntimeError(f"the handler left messages for retry: {response}")
    return {
        "peak_rss_mb": _peak_mb(),
        "ru_maxrss_mb": _ru_maxrss_mb(),
        "rss_after_imports_mb": after_imports,
        "rss_after_container_mb": after_container,
        "rss_before_invocation_mb": before,
        "sqs_bodies_mb": sum(map(len, bodies)) / 1e6,
        "sqs_messages": len(bodies),
        "invocation_seconds": seconds,
    }


def _bodies(megabytes: float) -> list[str]:
    from bench.transform import synthetic_batch  # noqa: PLC0415

    count = max(1, int(megabytes * 1e6 // len(synthetic_batch(_BATCH_EVENTS))))
    # Distinct strings, as the Lambda runtime's json.loads makes them: no shared body.
    return [synthetic_batch(_BATCH_EVENTS, seed=n) for n in range(count)]


def measure(info: StackInfo, megabytes: float = 6.0) -> dict[str, Any]:
    """The per-event figures (the key), and batch mode's peak for context."""
    figures = _fresh_process(info, megabytes, send_as_batch=False)
    batch_mode = _fresh_process(info, megabytes, send_as_batch=True)
    # The cold start alone (imports, clients, connection) with one small message: the baseline.
    tiny = _fresh_process(info, 0.01, send_as_batch=False)
    amplified = _fresh_process(info, AMPLIFIED, send_as_batch=False)
    return {
        "peak_rss_mb_amplified_message": amplified["peak_rss_mb"],
        "amplified_message_seconds": amplified["invocation_seconds"],
        "peak_rss_mb_6mb_invocation": figures["peak_rss_mb"],
        "peak_rss_mb_6mb_invocation_batch_mode": batch_mode["peak_rss_mb"],
        "peak_rss_mb_one_message_invocation": tiny["peak_rss_mb"],
        "rss_after_imports_mb": figures["rss_after_imports_mb"],
        "rss_after_container_mb": figures["rss_after_container_mb"],
        "rss_before_invocation_mb": figures["rss_before_invocation_mb"],
        "memory_sqs_bodies_mb": figures["sqs_bodies_mb"],
        "memory_sqs_messages": figures["sqs_messages"],
        "memory_ru_maxrss_mb": figures["ru_maxrss_mb"],
    }


def _fresh_process(info: StackInfo, load: float | str, *, send_as_batch: bool) -> dict[str, Any]:
    """Run the child in a fresh interpreter with the forwarder's environment."""
    deploy(info, send_as_batch=send_as_batch)
    answer = subprocess.run(
        [sys.executable, "-m", "bench.memory", str(load)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(answer.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    figures = child(sys.argv[1])
    sys.stdout.flush()
    # The handler's own log lines went to stdout too: the figures are the last line.
    print(json.dumps(figures))
