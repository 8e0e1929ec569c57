"""The retry backoff (docs/contract.md#backoff): delays from the receive count, and the
postponement of the messages an invocation returns for retry."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.backoff import Backoff, Postponement
from core.deadline import Deadline
from core.delivery import Forwarder
from core.errors import DeliveryFailed
from core.outcomes import Outcome
from core.sqs_event import SqsMessage
from tests.support.fakes import (
    ALICE,
    FakeDeadLetters,
    FakeProducers,
    FakeRetries,
    FakeSecrets,
    Faults,
    ScriptedTransform,
)

QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:events"


def fixed(draw: float, base: int = 30, cap: int = 900) -> Backoff:
    return Backoff(base, cap, draw=lambda: draw)


def test_the_ceiling_doubles_with_each_receive_from_the_base() -> None:
    assert [fixed(0.0).ceiling(n) for n in range(1, 7)] == [30, 60, 120, 240, 480, 900]


def test_the_ceiling_stays_at_the_cap() -> None:
    assert fixed(0.0).ceiling(10_000) == 900


def test_a_receive_count_below_one_reads_as_the_first_receive() -> None:
    assert fixed(0.0).ceiling(0) == fixed(0.0).ceiling(-3) == 30


def test_the_lowest_draw_gives_half_the_ceiling_rounded_up() -> None:
    assert [fixed(0.0, base=5).delay(n) for n in (1, 2, 3)] == [3, 5, 10]


def test_the_highest_draw_gives_the_ceiling() -> None:
    assert [fixed(0.999999, base=5).delay(n) for n in (1, 2, 3)] == [5, 10, 20]


@given(st.floats(0.0, 1.0, exclude_max=True), st.integers(-5, 200), st.integers(0, 43_200))
def test_every_delay_lies_between_the_floor_and_the_ceiling(
    draw: float, receive_count: int, cap: int
) -> None:
    backoff = Backoff(min(30, cap), cap, draw=lambda: draw)
    delay = backoff.delay(receive_count)
    assert backoff.floor(receive_count) <= delay <= backoff.ceiling(receive_count) <= 43_200


def test_a_zero_base_retries_at_once() -> None:
    assert fixed(0.5, base=0, cap=0).delay(7) == 0


def test_the_shortest_horizon_sums_the_floors_before_the_last_receive() -> None:
    # Receives 1-4 are followed by delays of at least 15, 30, 60 and 120 s before receive 5.
    assert fixed(0.0).shortest_horizon(5) == 15 + 30 + 60 + 120


def test_the_longest_horizon_sums_every_ceiling() -> None:
    assert fixed(0.0).longest_horizon(3) == 30 + 60 + 120


# --- the forwarder postpones what it returns for retry ------------------------------------------


def within(wait_s: float) -> Deadline:
    ticks = itertools.count(0.0, 0.0)
    return Deadline.in_seconds(wait_s, clock=lambda: next(ticks))


def postponing(retries: FakeRetries, fail: bool = False) -> Forwarder:
    def answer(record: object, _c: object) -> DeliveryFailed | None:
        return DeliveryFailed("down") if fail else None

    return Forwarder(
        ScriptedTransform(),
        FakeProducers(answer),
        FakeDeadLetters(),
        FakeSecrets([ALICE]),
        retries=retries,
        backoff=fixed(0.0, base=10, cap=100),
    )


def received(message_id: str, count: int, body: str = "records:1") -> SqsMessage:
    return SqsMessage(message_id, body, receipt_handle=f"handle-{message_id}", receive_count=count)


def test_each_retried_message_is_postponed_by_its_receive_count() -> None:
    retries = FakeRetries()
    batch = [received("a", 1), received("b", 3)]
    report = postponing(retries, fail=True).forward(batch, within(5), source_arn=QUEUE_ARN)
    assert [o.outcome for o in report.outcomes] == [Outcome.RETRY, Outcome.RETRY]
    assert retries.postponed == [
        (QUEUE_ARN, Postponement("a", "handle-a", 5)),
        (QUEUE_ARN, Postponement("b", "handle-b", 20)),
    ]
    assert report.postponed == 2


def test_delivered_and_dead_lettered_messages_are_not_postponed() -> None:
    retries = FakeRetries()
    batch = [received("a", 2), received("b", 2, body="invalid")]
    report = postponing(retries).forward(batch, within(5), source_arn=QUEUE_ARN)
    assert [o.outcome for o in report.outcomes] == [Outcome.DELIVERED, Outcome.INVALID]
    assert retries.postponed == []
    assert report.postponed == 0


def test_without_the_queue_arn_nothing_is_postponed() -> None:
    retries = FakeRetries()
    report = postponing(retries, fail=True).forward([received("a", 1)], within(5))
    assert retries.postponed == []
    assert report.faults == ()


def test_a_message_without_a_receipt_handle_is_not_postponed() -> None:
    retries = FakeRetries()
    forwarder = postponing(retries, fail=True)
    report = forwarder.forward([SqsMessage("a", "records:1")], within(5), source_arn=QUEUE_ARN)
    assert retries.postponed == []
    assert report.response() == {"batchItemFailures": [{"itemIdentifier": "a"}]}


def test_a_postponement_the_queue_refused_is_a_reported_fault_and_still_a_retry() -> None:
    retries = FakeRetries(refuse={"b"})
    batch = [received("a", 1), received("b", 1)]
    report = postponing(retries, fail=True).forward(batch, within(5), source_arn=QUEUE_ARN)
    assert report.postponed == 1
    assert report.faults == ("retry scheduler could not postpone 1 message(s)",)
    assert len(report.batch_item_failures()) == 2


@pytest.mark.parametrize("exception", [RuntimeError, TimeoutError, KeyError])
def test_a_scheduler_that_raises_is_a_reported_fault_never_an_escape(
    exception: type[Exception],
) -> None:
    retries = FakeRetries(faults=Faults({"postpone": (0, exception)}))
    report = postponing(retries, fail=True).forward(
        [received("a", 1)], within(5), source_arn=QUEUE_ARN
    )
    assert report.faults == (f"retry scheduler raised {exception.__name__}",)
    assert report.response() == {"batchItemFailures": [{"itemIdentifier": "a"}]}
    assert report.postponed == 0


def refusing() -> FakeProducers:
    return FakeProducers(lambda _r, _c: DeliveryFailed("down"))


def test_without_a_retry_scheduler_none_is_postponed() -> None:
    sending = Forwarder(ScriptedTransform(), refusing(), FakeDeadLetters())
    report = sending.forward([received("a", 1)], within(5), source_arn=QUEUE_ARN)
    assert report.postponed == 0


def test_a_retry_scheduler_without_a_backoff_postpones_none() -> None:
    retries = FakeRetries()
    sending = Forwarder(ScriptedTransform(), refusing(), FakeDeadLetters(), retries=retries)
    report = sending.forward([received("a", 1)], within(5), source_arn=QUEUE_ARN)
    assert (retries.postponed, report.postponed) == ([], 0)


def test_postponing_is_bounded_by_the_invocations_deadline() -> None:
    retries, deadline = FakeRetries(), within(5)
    postponing(retries, fail=True).forward([received("a", 1)], deadline, source_arn=QUEUE_ARN)
    assert retries.deadlines == [deadline]


def test_the_draw_spreads_the_delay_evenly_from_the_floor_to_the_ceiling() -> None:
    # Receive 1 with base 30: floor 15, ceiling 30, 16 whole delays; a draw of 0.49 picks the 8th.
    assert fixed(0.49).delay(1) == 15 + 7
