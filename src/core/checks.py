"""The steps of `forwarder check` (docs/operations.md#forwarder-check): what each step found, in
order, up to the first hard failure. Pure: the probes are in adapters/deployment_check.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CheckStep:
    """One step's verdict; `detail` and `hint` never hold a secret value."""

    name: str
    ok: bool
    detail: str
    hint: str = ""

    def line(self) -> str:
        """The step as one line for people: `ok   name  detail` or `FAIL name  detail: hint`."""
        status = "ok  " if self.ok else "FAIL"
        hint = f" -> {self.hint}" if self.hint and not self.ok else ""
        return f"{status} {self.name}: {self.detail}{hint}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def passed(name: str, detail: str) -> CheckStep:
    return CheckStep(name, True, detail)


def failed(name: str, detail: str, hint: str) -> CheckStep:
    return CheckStep(name, False, detail, hint)


def until_first_failure(steps: Iterable[CheckStep]) -> list[CheckStep]:
    """The steps in order, the first failed one included, none after it (a later step would only
    fail for the same cause)."""
    done: list[CheckStep] = []
    for step in steps:
        done.append(step)
        if not step.ok:
            break
    return done


def report(steps: list[CheckStep]) -> dict[str, Any]:
    """The machine form (`--json`, the check event's response)."""
    return {"ok": all(step.ok for step in steps), "steps": [step.as_dict() for step in steps]}
