"""The FIFO order rule (core.message_groups, docs/contract.md#fifo-queues), for any batch: per
group, a message is sent only after every earlier one of its group was acknowledged, and the
messages after a retried one are retried unsent; other groups go on."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from core.deadline import Deadline
from core.delivery import Forwarder
from core.errors import DeliveryFailed, ForwarderError
from core.kafka_records import KafkaRecord
from core.message_groups import GroupOrder
from core.outcomes import MessageOutcome, Outcome
from core.sqs_event import SqsMessage
from tests.support.fakes import (
    ALICE,
    FakeDeadLetters,
    FakeProducers,
    FakeSecrets,
    ScriptedTransform,
)

batches = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]), st.sampled_from(["records:1", "records:2", "invalid"])
    ),
    min_size=1,
    max_size=10,  # an SQS FIFO batch holds at most 10 messages
)


def deadline() -> Deadline:
    ticks = itertools.count(0.0, 0.0)
    return Deadline.in_seconds(10.0, clock=lambda: next(ticks))


def run(batch: list[tuple[str, str]], failing: set[int]) -> tuple[list[list[int]], list[Outcome]]:
    """Forward `batch` with the records of messages `failing` refused; (positions sent per
    produce call, outcomes)."""

    def answer(record: KafkaRecord, _c: object) -> ForwarderError | None:
        position = int(record.value.decode().split("/")[0][1:])
        return DeliveryFailed("timeout") if position in failing else None

    producers = FakeProducers(answer)
    messages = [SqsMessage(f"m{i}", body, group_id=g) for i, (g, body) in enumerate(batch)]
    report = Forwarder(
        ScriptedTransform(), producers, FakeDeadLetters(), FakeSecrets([ALICE])
    ).forward(messages, deadline(), fifo=True)
    calls = [
        sorted({int(r.value.decode().split("/")[0][1:]) for r in call})
        for producer in producers.built
        for call in producer.calls
    ]
    return calls, [o.outcome for o in report.outcomes]


@given(batches, st.sets(st.integers(0, 9)))
def test_a_message_is_sent_only_after_every_earlier_one_of_its_group_was_delivered(
    batch: list[tuple[str, str]], failing: set[int]
) -> None:
    calls, outcomes = run(batch, failing)
    for call_index, call in enumerate(calls):
        for position in call:
            group = batch[position][0]
            earlier = [i for i in range(position) if batch[i][0] == group]
            assert all(outcomes[i] is not Outcome.RETRY for i in earlier)
            assert not any(i in later for later in calls[call_index:] for i in earlier)


@given(batches, st.sets(st.integers(0, 9)))
def test_after_a_retried_message_the_rest_of_its_group_is_retried_unsent(
    batch: list[tuple[str, str]], failing: set[int]
) -> None:
    calls, outcomes = run(batch, failing)
    sent = {position for call in calls for position in call}
    for group in {g for g, _ in batch}:
        members = [i for i, (g, _) in enumerate(batch) if g == group]
        retried = [i for i in members if outcomes[i] is Outcome.RETRY]
        if retried:
            assert all(outcomes[i] is Outcome.RETRY for i in members if i > retried[0])
            assert not sent & {i for i in members if i > retried[0]}


@given(batches)
def test_without_failures_every_message_of_every_group_goes_on(
    batch: list[tuple[str, str]],
) -> None:
    _calls, outcomes = run(batch, set())
    assert Outcome.RETRY not in outcomes


def test_waves_hold_the_kth_message_of_every_group_in_sqs_order() -> None:
    messages = [SqsMessage(f"m{i}", "", group_id=g) for i, g in enumerate("abaca")]
    order = GroupOrder(messages)
    waves = []
    for wave in order.waves():
        waves.append(wave)
        for i in wave:
            order.settle(i, MessageOutcome(f"m{i}", Outcome.DELIVERED))
    assert waves == [[0, 1, 3], [2], [4]]


def test_a_retried_message_stops_only_its_own_group() -> None:
    messages = [SqsMessage(f"m{i}", "", group_id=g) for i, g in enumerate("abab")]
    order = GroupOrder(messages)
    waves = []
    for wave in order.waves():
        waves.append(wave)
        for i in wave:
            outcome = Outcome.RETRY if i == 0 else Outcome.DELIVERED
            order.settle(i, MessageOutcome(f"m{i}", outcome))
    assert waves == [[0, 1], [3]]
