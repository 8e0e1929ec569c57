"""Audit the hashed locks for known vulnerabilities: pip-audit first, then PyPI's project JSON for
what pip-audit could not look up.

pip-audit's PyPI service asks `pypi.org/pypi/NAME/VERSION/json` for each pin. Where that endpoint
is not served (this workplace's registry access answers 404 to it), pip-audit skips the package
("Dependency not found on PyPI") and still prints "No known vulnerabilities found" and exits 0: a
hollow pass. So every package it skipped is looked up again at `pypi.org/pypi/NAME/json`, whose
`vulnerabilities` list is the one of the project's latest release: it audits a pin that is the
latest release (for an older pin, the latest release's vulnerabilities are still reported, as
most likely affecting it too). A pin that neither source could fully audit fails the gate like a
finding, unless it is listed with its reason in ACCEPTED_UNAUDITED: the gate never passes on
nothing, and where pip-audit's own lookup is served (elsewhere) it audits every pin itself.

Usage: python -m tools.pin_audit LOCK [LOCK ...]   (exit 0 only when every pin of
every lock was audited and none has a known vulnerability; the report goes to stdout)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import Marker

PIP_AUDIT = Path(sys.executable).parent / "pip-audit"
PIP_AUDIT_OPTIONS: tuple[str, ...] = ("--require-hashes", "--disable-pip", "--format", "json")
PIP_AUDIT_OPTIONS += ("--progress-spinner", "off", "--timeout", "30")
PROJECT_JSON = "https://pypi.org/pypi/{name}/json"

# Pins that are not their project's latest release, so that where pip-audit's per-version lookup
# is not served neither source can audit them. Each is held back on purpose; keyed by exact pin,
# so a bump drops it from this list and any new unauditable pin fails the gate until reviewed.
ACCEPTED_UNAUDITED = {
    "boto3-stubs==1.43.126": "type stubs, dev lock; 1.44.1 needs mypy-boto3-sqs 1.44 (unreleased)",
    "mpmath==1.3.0": "dev lock only; sympy 1.14.0 (via cfn-lint) requires mpmath<1.4",
    "networkx==3.6.1": "dev lock only (via cfn-lint); networkx 3.7 requires Python >=3.12",
    "pydantic==2.13.5": "aws-sam-translator 1.115.0 (cfn-lint, dev lock) requires pydantic<2.14",
    "pydantic-core==2.46.5": "pinned exactly by pydantic 2.13.5",
    "python-dateutil==2.9.0.post0": "botocore requires python-dateutil<3.0.0",
}


@dataclass
class LockAudit:
    lock: str
    pins: int = 0
    by_pip_audit: int = 0
    by_project_json: int = 0
    findings: list[str] = field(default_factory=list)  # "name version: id (fixed in ...)"
    unaudited: list[str] = field(default_factory=list)  # "name version: why"
    accepted: list[str] = field(default_factory=list)  # unaudited, but in ACCEPTED_UNAUDITED

    @property
    def clean(self) -> bool:
        return self.safe and not self.unaudited

    @property
    def safe(self) -> bool:
        """No known vulnerability in a lock that has pins."""
        return self.pins > 0 and not self.findings

    def summary(self) -> str:
        lines = [
            f"{self.lock}: {self.pins} pins, {self.by_pip_audit} audited by pip-audit, "
            f"{self.by_project_json} by PyPI project JSON, {len(self.findings)} known "
            f"vulnerabilities, {len(self.unaudited)} unaudited, {len(self.accepted)} unaudited "
            "but accepted"
        ]
        lines += [f"  VULNERABLE {finding}" for finding in self.findings]
        lines += [f"  UNAUDITED {item}" for item in self.unaudited]
        lines += [f"  accepted unaudited {item}" for item in self.accepted]
        return "\n".join(lines)


def run_pip_audit(lock: Path) -> dict[str, Any]:
    """pip-audit's JSON report of `lock` (hashes required, no pip resolution)."""
    result = subprocess.run(
        [str(PIP_AUDIT), "-r", str(lock), *PIP_AUDIT_OPTIONS],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    # Exit 1 means "vulnerabilities found", and the JSON report is still printed.
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise RuntimeError(
            f"pip-audit failed on {lock} (exit {result.returncode}):\n{result.stderr}"
        )
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _vuln_text(name: str, version: str, vuln: dict[str, Any]) -> str:
    fixed = ", ".join(vuln.get("fix_versions") or vuln.get("fixed_in") or []) or "no fix"
    return f"{name} {version}: {vuln.get('id')} (fixed in {fixed})"


def project_vulnerabilities(name: str, version: str) -> tuple[list[str], str]:
    """Known vulnerabilities of `name==version` from the project JSON, and why that source could
    not fully audit the pin ("" when it could: the pin is the latest release). For an older pin,
    the latest release's vulnerabilities are still reported (they most likely affect it too), but
    one fixed between the pin and the latest release cannot be seen."""
    url = PROJECT_JSON.format(name=name)
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (fixed https URL)
            data = json.load(response)
    except OSError as exc:
        return [], f"{url}: {exc}"
    latest = data.get("info", {}).get("version")
    vulns = [v for v in data.get("vulnerabilities") or [] if not v.get("withdrawn")]
    found = [_vuln_text(name, f"{version} (latest {latest})", v) for v in vulns]
    if latest != version:
        return found, f"not the latest release ({latest}): no per-version vulnerability data"
    return found, ""


def lock_pins(lock: Path) -> dict[str, str]:
    """`name: version` of every `name==version` line of a hashed lock whose environment marker,
    if any, holds for this Python (a universal lock pins `pywin32 ; sys_platform == 'win32'`):
    the pins pip-audit audits, as it drops the others too."""
    pins = re.findall(
        r"^([A-Za-z0-9._-]+)==([^\s;\\]+)(?: ; ([^\\\n]+?))?\s*\\?$",
        lock.read_text(),
        flags=re.MULTILINE,
    )
    return {
        _canonical(name): version
        for name, version, marker in pins
        if not marker or Marker(marker).evaluate()
    }


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def audit_lock(lock: Path) -> LockAudit:
    report = run_pip_audit(lock)
    pins = lock_pins(lock)
    audit = LockAudit(str(lock))
    skipped: list[tuple[str, str]] = []
    if len(report.get("dependencies", [])) != len(pins):
        audit.unaudited.append(
            f"pip-audit reported {len(report.get('dependencies', []))} "
            f"dependencies, the lock pins {len(pins)}"
        )
    for dep in report.get("dependencies", []):
        audit.pins += 1
        if "skip_reason" in dep:
            skipped.append(
                (dep["name"], dep.get("version") or pins.get(_canonical(dep["name"]), ""))
            )
            continue
        audit.by_pip_audit += 1
        audit.findings += [_vuln_text(dep["name"], dep["version"], v) for v in dep["vulns"]]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda pin: project_vulnerabilities(*pin), skipped))
    for (name, version), (vulns, why) in zip(skipped, answers, strict=True):
        audit.findings += vulns
        if not why:
            audit.by_project_json += 1
        elif f"{_canonical(name)}=={version}" in ACCEPTED_UNAUDITED:
            reason = ACCEPTED_UNAUDITED[f"{_canonical(name)}=={version}"]
            audit.accepted.append(f"{name} {version}: {why}; accepted: {reason}")
        else:
            audit.unaudited.append(f"{name} {version}: {why}")
    return audit


def main(argv: list[str]) -> int:
    """Exit 1 when a lock has a known vulnerability or a pin no source could audit; with
    `--known-only`, only a known vulnerability fails (unaudited pins are still listed).

    `make security` is strict. The test suite uses `--known-only`: whether a pin is still the
    newest release (which is what makes it auditable through PyPI's project JSON) changes with
    every upstream release, and must not decide whether a submission lands.
    """
    known_only = "--known-only" in argv
    locks = [arg for arg in argv if arg != "--known-only"]
    if not locks:
        print("usage: python -m tools.pin_audit [--known-only] LOCK [LOCK ...]", file=sys.stderr)
        return 2
    audits = [audit_lock(Path(lock)) for lock in locks]
    for audit in audits:
        print(audit.summary())
    passed = [audit.safe if known_only else audit.clean for audit in audits]
    return 0 if all(passed) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
