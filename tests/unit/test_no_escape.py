"""Whatever a port raises, `forward` returns one outcome per message, and nothing is
acknowledged unless Kafka acknowledged it or the dead-letter queue took it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.deadline import Deadline
from core.delivery import Forwarder
from core.errors import DeliveryFailed, PermanentError, SecretUnavailable, SettingsError
from core.outcomes import Outcome
from core.sqs_event import SqsMessage
from tests.support.fakes import (
    ALICE,
    ALICE_ROTATED,
    FakeDeadLetters,
    FakeProducers,
    FakeSecrets,
    Faults,
    ScriptedTransform,
)

PORTS = ["factory", "produce", "close", "secret", "dead_letters", "transform"]
EXCEPTIONS: list[type[Exception]] = [
    ValueError,
    RuntimeError,
    KeyError,
    TypeError,
    OSError,
    TimeoutError,
    MemoryError,
    RecursionError,
    SettingsError,
    DeliveryFailed,
    SecretUnavailable,
]
BODIES = ["records:1", "records:3", "records:0", "invalid", "drop"]

fault_plans = st.dictionaries(
    st.sampled_from(PORTS), st.tuples(st.integers(0, 3), st.sampled_from(EXCEPTIONS)), max_size=4
)


@settings(max_examples=300, deadline=None)
@given(
    bodies=st.lists(st.sampled_from(BODIES), min_size=1, max_size=8),
    plan=fault_plans,
    fifo=st.booleans(),
    rotated=st.booleans(),
    budget=st.sampled_from([1, 20, 1 << 20]),
)
def test_every_message_gets_one_outcome_whatever_a_port_raises(
    bodies: list[str],
    plan: dict[str, tuple[int, type[Exception]]],
    fifo: bool,
    rotated: bool,
    budget: int,
) -> None:
    faults = Faults(plan)
    producers = FakeProducers(faults=faults)
    sink = FakeDeadLetters(faults=faults)
    secrets = FakeSecrets([ALICE, ALICE_ROTATED] if rotated else [ALICE], faults=faults)
    forwarder = Forwarder(
        ScriptedTransform(faults), producers, sink, secrets, inflight_bytes=budget
    )
    messages = [SqsMessage(f"m{i}", body) for i, body in enumerate(bodies)]
    for invocation in range(3):  # a warm container goes on after a fault
        if invocation == 1:
            secrets.rotate()
        report = forwarder.forward(messages, Deadline.in_seconds(10.0, 5.0), fifo=fifo)
        assert [o.message_id for o in report.outcomes] == [m.message_id for m in messages]
        acknowledged = {record.value for record in producers.acknowledged}
        dead_lettered = {letter.message_id for letter in sink.letters}
        for message, outcome in zip(messages, report.outcomes, strict=True):
            if outcome.outcome is Outcome.DELIVERED:
                count = int(message.body.split(":")[1]) if ":" in message.body else 0
                wanted = {f"{message.message_id}/{n}".encode() for n in range(count)}
                assert wanted <= acknowledged, f"{message.message_id} delivered unacknowledged"
            if outcome.outcome is Outcome.INVALID:
                assert message.message_id in dead_lettered
        retried = {f["itemIdentifier"] for f in report.response()["batchItemFailures"]}
        assert retried == {o.message_id for o in report.outcomes if o.outcome is Outcome.RETRY}


def test_a_permanent_error_raised_by_the_producer_is_a_retry_not_a_dead_letter() -> None:
    # A port that raises is broken, not the message: it is never dead-lettered for it.
    faults = Faults({"produce": (0, PermanentError)})
    sink = FakeDeadLetters()
    forwarder = Forwarder(ScriptedTransform(), FakeProducers(faults=faults), sink, None)
    report = forwarder.forward([SqsMessage("m0", "records:1")], Deadline.in_seconds(10.0))
    assert [o.outcome for o in report.outcomes] == [Outcome.RETRY]
    assert sink.letters == []
