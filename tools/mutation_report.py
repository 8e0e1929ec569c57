"""`make mutation`: mutation testing of src/core and src/adapters against tests/unit.

Runs mutmut (configured in pyproject.toml, `[tool.mutmut]`; its progress goes to
`.mutmut-run.log`), reads every mutant's status, sets aside the mutants listed in
`tests/mutation-equivalents.txt` (each with a one-line reason: a change no test can observe),
and prints the score per package and every surviving mutant, with its diff. Exits 1 when a
package is under its target: 95 % of the non-equivalent mutants killed in src/core, 90 % in
src/adapters.

    python -m tools.mutation_report [--no-run]   (--no-run: report the last run only)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = str(Path(sys.executable).parent / "mutmut")
EQUIVALENTS = ROOT / "tests" / "mutation-equivalents.txt"
LOG = ROOT / ".mutmut-run.log"
TARGETS = {"core": 0.95, "adapters": 0.90}
# A mutant that crashes the test process (mutmut's "segfault": e.g. an endless map that exhausts
# memory) was noticed by the tests, as a timeout was.
KILLED = {"killed", "timeout", "segfault", "caught by type check"}


@dataclass(frozen=True)
class Mutant:
    name: str  # e.g. core.deadline.x_time_budget_s__mutmut_3
    status: str

    @property
    def package(self) -> str:
        return self.name.split(".", 1)[0]


def run_mutmut() -> None:
    with LOG.open("w", encoding="utf-8") as log:
        subprocess.run([MUTMUT, "run"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=False)


def mutants() -> list[Mutant]:
    out = subprocess.run(
        [MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    found = []
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            found.append(Mutant(name, status))
    return found


def equivalents() -> dict[str, str]:
    """Mutant name → why no test can tell it from the original."""
    listed: dict[str, str] = {}
    for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            listed[name] = reason.strip()
    return listed


def diff(name: str) -> str:
    return subprocess.run(
        [MUTMUT, "show", name], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout


def report(found: list[Mutant], equivalent: dict[str, str]) -> bool:
    passed = True
    for package, target in TARGETS.items():
        ours = [m for m in found if m.package == package and m.name not in equivalent]
        statuses = Counter(m.status for m in ours)
        killed = sum(statuses[s] for s in KILLED)
        score = killed / len(ours) if ours else 0.0
        passed &= score >= target
        detail = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
        summary = f"{score:.1%} of {len(ours)} mutants killed (target {target:.0%}; {detail})"
        print(f"src/{package}: {summary}")
    stale = sorted(set(equivalent) - {m.name for m in found})
    if stale:
        print("listed as equivalent but no longer generated:", *stale, sep="\n  ")
    survivors = [m for m in found if m.status not in KILLED and m.name not in equivalent]
    for mutant in survivors:
        print(f"\n{mutant.status}: {mutant.name}\n{diff(mutant.name)}")
    return passed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="report the last run only")
    if not parser.parse_args(argv).no_run:
        run_mutmut()
    found = mutants()
    if not found:
        print(f"mutmut produced no mutants: see {LOG.relative_to(ROOT)}")
        return 1
    return 0 if report(found, equivalents()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
