"""Cold import of the handler module against `import boto3`, each in a fresh interpreter.

`import_vs_boto3` is measured on the built package as Lambda imports it: python3.13, the
package directory as the working directory and first on `sys.path`, its bytecode, and an
environment of Powertools' variables alone. `import_vs_boto3_venv` is the figure this key had
before (issue 17): the dev venv's Python importing from the source tree, with the bytecode
Python writes there.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handlers.local.context import LOCAL_POWERTOOLS_ENV

HANDLER = "handlers.lambda_handler"
_PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


@dataclass(frozen=True)
class Interpreter:
    """A Python, the folder it runs in and its environment."""

    python: str
    cwd: Path | None
    env: dict[str, str]


def import_seconds(module: str, where: Interpreter) -> float:
    """Seconds a fresh interpreter spends importing `module`."""
    answer = subprocess.run(
        [where.python, "-c", _PROBE.format(module=module)],
        cwd=where.cwd,
        env=where.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(answer.stdout.strip().splitlines()[-1])


def _powertools_env(base: dict[str, str], tracing: bool) -> dict[str, str]:
    env = base | LOCAL_POWERTOOLS_ENV
    if tracing:  # what Powertools sees in Lambda: a task root, tracing not disabled
        env.pop("POWERTOOLS_TRACE_DISABLED")
        env |= {"LAMBDA_TASK_ROOT": "/var/task", "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR"}
    return env


def in_package(package: Path, python: str, tracing: bool = False) -> Interpreter:
    """`python` in the built package, as Lambda runs it: nothing of this process's environment."""
    base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    return Interpreter(python, package, _powertools_env(base, tracing))


def in_venv(tracing: bool = False) -> Interpreter:
    """This process's Python and environment (the dev venv, the source tree)."""
    return Interpreter(sys.executable, None, _powertools_env(dict(os.environ), tracing))


def ratio(repeats: int, where: Interpreter) -> tuple[float, float, float]:
    """Median handler/boto3 ratio, and the median milliseconds of each."""
    ratios: list[float] = []
    ours: list[float] = []
    boto3: list[float] = []
    for repeat in range(repeats):
        pair = [(HANDLER, ours), ("boto3", boto3)]
        for module, samples in pair if repeat % 2 == 0 else pair[::-1]:
            samples.append(import_seconds(module, where))
        ratios.append(ours[-1] / boto3[-1])
    return statistics.median(ratios), statistics.median(ours) * 1e3, statistics.median(boto3) * 1e3


def measure(package: Path, python: str, repeats: int = 9) -> dict[str, Any]:
    """The figures on the built `package` under `python` (python3.13), and the venv's."""
    value, ours_ms, boto3_ms = ratio(repeats, in_package(package, python))
    traced, traced_ms, _ = ratio(max(1, repeats // 3), in_package(package, python, tracing=True))
    venv, venv_ours_ms, venv_boto3_ms = ratio(max(1, repeats // 3), in_venv())
    return {
        "import_vs_boto3": value,
        "import_handler_ms": ours_ms,
        "import_boto3_ms": boto3_ms,
        "import_vs_boto3_tracing_on": traced,
        "import_handler_tracing_on_ms": traced_ms,
        "import_vs_boto3_venv": venv,
        "import_handler_venv_ms": venv_ours_ms,
        "import_boto3_venv_ms": venv_boto3_ms,
        "import_repeats": repeats,
    }
