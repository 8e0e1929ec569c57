"""Static security gates (docs/reliability.md#static-gates), run by `make test` through pytest:
bandit on src/ with no medium or high finding, and pip-audit on both hashed locks with no known
vulnerability. `make security` runs the same two commands."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BANDIT_OPTIONS: tuple[str, ...] = ("-c", str(ROOT / "pyproject.toml"), "--severity-level", "medium")
BANDIT_OPTIONS += ("--confidence-level", "low", "-f", "json", "-q")


def bandit(*targets: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    result = subprocess.run(
        [str(BIN / "bandit"), *BANDIT_OPTIONS, "-r", *map(str, targets)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )
    report: dict[str, Any] = json.loads(result.stdout) if result.stdout.strip() else {}
    return result, report


def readable(report: dict[str, Any]) -> str:
    return "\n".join(
        f"{r['test_id']} {r['issue_severity']}/{r['issue_confidence']} "
        f"{r['filename']}:{r['line_number']}: {r['issue_text']}"
        for r in report.get("results", [])
    )


def test_bandit_finds_no_medium_or_high_issue_in_src() -> None:
    started = time.monotonic()
    result, report = bandit(ROOT / "src")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, f"bandit failed:\n{readable(report)}\n{result.stderr}"
    assert report["results"] == [], readable(report)
    scanned = [name for name in report["metrics"] if name.startswith(str(ROOT / "src"))]
    assert len(scanned) >= 20, f"bandit scanned too little of src/: {scanned}"
    assert elapsed < 60, f"bandit took {elapsed:.1f}s"


def test_bandit_gate_fails_on_a_medium_finding(tmp_path: Path) -> None:
    # The gate's positive control: a TLS context without certificate checks is B323 (medium).
    sample = tmp_path / "unverified.py"
    sample.write_text("import ssl\n\ncontext = ssl._create_unverified_context()\n")
    result, report = bandit(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert {r["test_id"] for r in report["results"]} == {"B323"}


@pytest.mark.parametrize("lock", ["requirements/dev.lock", "requirements/lambda.lock"])
def test_pip_audit_finds_no_known_vulnerability_in_the_lock(lock: str) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "tools.pin_audit", lock],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=600,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    summary = result.stdout.splitlines()[0]
    assert "0 known vulnerabilities, 0 unaudited" in summary, result.stdout
    assert elapsed < 120, f"the audit of {lock} took {elapsed:.1f}s"


def test_pip_audit_gate_fails_on_a_pin_it_cannot_audit(tmp_path: Path) -> None:
    # The gate's positive control: an old pin that no reachable source can audit (and that is
    # not in the reasoned list of accepted ones) fails it, so it never passes on nothing.
    lock = tmp_path / "old.lock"
    lock.write_text("six==1.15.0 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "tools.pin_audit", str(lock)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 1, f"{result.stdout}\n{result.stderr}"
    assert "UNAUDITED six 1.15.0" in result.stdout or "VULNERABLE six" in result.stdout
