"""Cold import of the handler module against `import boto3`, each in a fresh interpreter.

Each sample is one new interpreter timing its own import with perf_counter (interpreter start-up
left out), handler and boto3 interleaved; the ratio is the median of each pair's ratio. The
handler runs with the local Powertools defaults (tracing off); a second, context-only figure has
tracing on as in Lambda with `Tracing: Active`, where the X-Ray SDK must load.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from typing import Any

from handlers.local.context import LOCAL_POWERTOOLS_ENV

HANDLER = "handlers.lambda_handler"
_PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str, env: dict[str, str]) -> float:
    """Seconds a fresh interpreter spends importing `module`."""
    answer = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(answer.stdout.strip().splitlines()[-1])


def _env(tracing: bool) -> dict[str, str]:
    env = dict(os.environ) | LOCAL_POWERTOOLS_ENV
    if tracing:  # what Powertools sees in Lambda: a task root, tracing not disabled
        env.pop("POWERTOOLS_TRACE_DISABLED")
        env |= {"LAMBDA_TASK_ROOT": "/var/task", "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR"}
    return env


def ratio(repeats: int, tracing: bool) -> tuple[float, float, float]:
    """Median handler/boto3 ratio, and the median milliseconds of each."""
    env = _env(tracing)
    ratios: list[float] = []
    ours: list[float] = []
    boto3: list[float] = []
    for repeat in range(repeats):
        pair = [(HANDLER, ours), ("boto3", boto3)]
        for module, samples in pair if repeat % 2 == 0 else pair[::-1]:
            samples.append(import_seconds(module, env))
        ratios.append(ours[-1] / boto3[-1])
    return statistics.median(ratios), statistics.median(ours) * 1e3, statistics.median(boto3) * 1e3


def measure(repeats: int = 9) -> dict[str, Any]:
    value, ours_ms, boto3_ms = ratio(repeats, tracing=False)
    traced, traced_ms, _ = ratio(max(1, repeats // 3), tracing=True)
    return {
        "import_vs_boto3": value,
        "import_handler_ms": ours_ms,
        "import_boto3_ms": boto3_ms,
        "import_vs_boto3_tracing_on": traced,
        "import_handler_tracing_on_ms": traced_ms,
        "import_repeats": repeats,
    }
