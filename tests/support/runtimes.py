"""The Lambda runtime's Python (the template's python3.13) for tests that must run under it."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tools import dev_python

LAMBDA_PYTHON_VERSION = "3.13"
# Where to look, in order: the variable, PATH, then pyenv's versions folder.
LAMBDA_PYTHON_ENV = "FORWARDER_LAMBDA_PYTHON"
ROOT = Path(__file__).resolve().parents[2]
TLS_PROBE = Path(__file__).resolve().parent / "tls_probe.py"


def _version(python: str) -> str | None:
    try:
        result = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def lambda_python() -> str:
    """The path of a Python 3.13; raises (the test fails, never skips) when there is none."""
    pyenv = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))
    candidates = [os.environ.get(LAMBDA_PYTHON_ENV), shutil.which("python3.13"), *pyenv]
    if sys.version_info[:2] == (3, 13):
        candidates.insert(0, sys.executable)
    for candidate in candidates:
        if candidate and _version(candidate) == LAMBDA_PYTHON_VERSION:
            return candidate
    raise RuntimeError(
        f"no Python {LAMBDA_PYTHON_VERSION} found (set {LAMBDA_PYTHON_ENV}, or put python3.13 "
        "on PATH): the TLS tests run under the Lambda runtime's Python"
    )


def runs_on_lambda_python() -> bool:
    """Whether this process (the suite) runs on the Lambda runtime's Python."""
    return sys.version_info[:2] == dev_python.PREFERRED


def suite_python_line() -> str:
    """Which Python runs the suite, as a warning when it is not the Lambda runtime's (the
    pytest header and summary show it, so CI output says which Python ran)."""
    version, python = sys.version.split()[0], sys.executable
    if runs_on_lambda_python():
        return f"python: {version}, the Lambda runtime's ({python})"
    return (
        f"WARNING: the suite runs on Python {version} ({python}), not {LAMBDA_PYTHON_VERSION}, "
        "the Lambda runtime's: .venv was made without it (tools/dev_python.py); install it, "
        "then make clean install"
    )


def tls_probe(python: str, **options: Any) -> dict[str, Any]:
    """Run tests/support/tls_probe.py under `python` with PYTHONPATH=src; its JSON answer."""
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [python, str(TLS_PROBE), json.dumps(options)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer
