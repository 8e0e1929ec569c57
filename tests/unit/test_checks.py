"""The step model of `forwarder check` (core/checks.py, docs/operations.md#forwarder-check)."""

from __future__ import annotations

from core.checks import CheckStep, failed, passed, report, until_first_failure


def test_the_steps_stop_at_the_first_failure_which_is_kept() -> None:
    steps = [passed("a", "fine"), failed("b", "broken", "fix b"), passed("c", "never run")]
    assert [step.name for step in until_first_failure(steps)] == ["a", "b"]


def test_a_failed_step_reads_as_one_line_with_its_hint() -> None:
    assert failed("tcp h:1", "no connection", "open the port").line() == (
        "FAIL tcp h:1: no connection -> open the port"
    )


def test_a_passed_step_reads_as_one_line_without_a_hint() -> None:
    assert passed("dns h", "resolves").line() == "ok   dns h: resolves"


def test_the_report_is_ok_only_when_every_step_passed() -> None:
    assert report([passed("a", "x")])["ok"] is True
    assert report([passed("a", "x"), failed("b", "y", "z")])["ok"] is False


def test_the_report_lists_every_step_as_a_mapping_in_order() -> None:
    steps = [passed("a", "x"), failed("b", "y", "z")]
    assert report(steps)["steps"] == [
        {"name": "a", "ok": True, "detail": "x", "hint": ""},
        {"name": "b", "ok": False, "detail": "y", "hint": "z"},
    ]


def test_a_passed_step_with_a_hint_reads_without_it() -> None:
    step = CheckStep("dns h", True, "resolves", "never shown")
    assert step.line() == "ok   dns h: resolves"
