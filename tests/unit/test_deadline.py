"""The invocation's deadline: the wait for Kafka ends a margin before the time left, the work
ends a small reserve before it, and nothing is ever negative."""

from __future__ import annotations

import pytest

from core.deadline import RESPONSE_RESERVE_S, Deadline, time_budget_s

NOW = 1000.0


def at(now: float) -> Deadline:
    return Deadline(wait_end=NOW + 5, end=NOW + 8, clock=lambda: now)


@pytest.mark.parametrize(
    ("remaining_ms", "wait_s", "end_s"),
    [(30_000, 25.0, 29.8), (10_000, 8.0, 9.8), (5_000, 4.0, 4.8), (100, 0.08, 0.0), (0, 0.0, 0.0)],
)
def test_a_deadline_from_the_remaining_time_keeps_the_margin_and_the_response_reserve(
    remaining_ms: int, wait_s: float, end_s: float
) -> None:
    deadline = Deadline.from_remaining_ms(remaining_ms, clock=lambda: NOW)
    assert deadline.end - NOW == pytest.approx(end_s)
    assert deadline.wait_end - NOW == pytest.approx(min(wait_s, end_s))


def test_the_response_reserve_is_a_fifth_of_a_second() -> None:
    assert RESPONSE_RESERVE_S == 0.2


@pytest.mark.parametrize(("remaining_ms", "budget_s"), [(60_000, 55.0), (20_000, 16.0), (0, 0.0)])
def test_the_wait_budget_keeps_five_seconds_or_a_fifth(remaining_ms: int, budget_s: float) -> None:
    assert time_budget_s(remaining_ms) == pytest.approx(budget_s)


def test_a_deadline_in_seconds_adds_the_time_after_the_wait() -> None:
    deadline = Deadline.in_seconds(3.0, 2.0, clock=lambda: NOW)
    assert (deadline.wait_end, deadline.end) == (NOW + 3.0, NOW + 5.0)


def test_a_deadline_in_seconds_has_no_time_after_the_wait_by_default() -> None:
    assert Deadline.in_seconds(3.0, clock=lambda: NOW).end == NOW + 3.0


@pytest.mark.parametrize(
    ("now", "wait_left", "left"), [(NOW, 5, 8), (NOW + 6, 0, 2), (NOW + 9, 0, 0)]
)
def test_time_left_counts_down_and_stops_at_zero(now: float, wait_left: float, left: float) -> None:
    assert (at(now).wait_left(), at(now).left()) == (wait_left, left)


@pytest.mark.parametrize(("seconds", "allowed"), [(7.999, True), (8.0, True), (8.001, False)])
def test_a_step_is_allowed_only_when_it_ends_before_the_deadline(
    seconds: float, allowed: bool
) -> None:
    assert at(NOW).allows(seconds) is allowed


def test_a_deadline_from_the_remaining_time_reads_the_given_clock() -> None:
    deadline = Deadline.from_remaining_ms(60_000, clock=lambda: 100.0)
    assert deadline.wait_left() == pytest.approx(55.0)
