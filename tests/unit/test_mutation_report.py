"""`make mutation`'s report (tools/mutation_report.py): the score leaves equivalents out."""

from __future__ import annotations

import pytest

from tools import mutation_report
from tools.mutation_report import Mutant


def test_an_unknown_argument_is_refused_before_mutmut_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs: list[None] = []
    monkeypatch.setattr(mutation_report, "run_mutmut", lambda: runs.append(None))
    with pytest.raises(SystemExit):
        mutation_report.main(["--help-me"])
    assert runs == []


def test_a_listed_equivalent_leaves_the_score(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mutation_report, "diff", lambda _name: "")
    found = [Mutant(f"core.m.x_f__mutmut_{n}", "killed") for n in range(19)]
    found += [Mutant("core.m.x_f__mutmut_19", "survived")]
    found += [Mutant("adapters.a.x_g__mutmut_1", "killed")]
    assert mutation_report.report(found, {}) is True  # 19 of 20: exactly 95 %
    found += [Mutant("core.m.x_f__mutmut_20", "survived")]
    assert mutation_report.report(found, {}) is False
    assert mutation_report.report(found, {"core.m.x_f__mutmut_20": "why"}) is True
