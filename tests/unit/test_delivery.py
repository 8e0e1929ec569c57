"""The delivery rules (docs/contract.md#outcomes): outcomes, dead letters, rotation, FIFO."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.credentials import Credentials
from core.deadline import Deadline
from core.delivery import Forwarder, Shipped, _decide
from core.errors import (
    BrokerUnreachable,
    CredentialsRejected,
    DeliveryFailed,
    ForwarderError,
    RecordTooLarge,
    UnknownTopic,
)
from core.kafka_records import KafkaRecord, Records
from core.outcomes import InvocationReport, MessageOutcome, Outcome
from core.producer_session import Breaker, ProducerSession, SendStats
from core.shipment import Shipment, Tally
from core.sqs_event import SqsMessage
from tests.support.fakes import (
    ALICE,
    ALICE_ROTATED,
    FakeDeadLetters,
    FakeProducers,
    FakeRetries,
    FakeSecrets,
    Faults,
    ScriptedTransform,
)


def messages(*bodies: str) -> list[SqsMessage]:
    return [SqsMessage(f"m{i}", body) for i, body in enumerate(bodies)]


def forwarder(
    producers: FakeProducers | None = None,
    secrets: FakeSecrets | None = None,
    sink: FakeDeadLetters | None = None,
) -> Forwarder:
    return Forwarder(
        ScriptedTransform(),
        producers or FakeProducers(),
        sink or FakeDeadLetters(),
        secrets or FakeSecrets([ALICE]),
    )


def within(wait_s: float, clock: itertools.count[float] | None = None) -> Deadline:
    """A deadline `wait_s` seconds away on a clock that stands still (or on `clock`)."""
    ticks = clock or itertools.count(0.0, 0.0)
    return Deadline.in_seconds(wait_s, clock=lambda: next(ticks))


def fails_for(*payload_prefixes: str, error: ForwarderError | None = None):  # type: ignore[no-untyped-def]
    def answer(record: KafkaRecord, _c: Credentials | None) -> ForwarderError | None:
        if record.value.decode().startswith(payload_prefixes):
            return error or DeliveryFailed("timeout")
        return None

    return answer


def outcomes(report: InvocationReport) -> list[Outcome]:
    return [o.outcome for o in report.outcomes]


def test_every_acknowledged_message_is_delivered_and_not_reported() -> None:
    report = forwarder().forward(messages("records:2", "records:1"), within(10.0))
    assert outcomes(report) == [Outcome.DELIVERED, Outcome.DELIVERED]
    assert report.response() == {"batchItemFailures": []}
    assert report.records_produced == 3


def test_all_records_of_the_invocation_are_sent_with_one_wait() -> None:
    producers = FakeProducers()
    report = forwarder(producers).forward(
        messages("records:2", "records:3", "records:1"), within(10.0)
    )
    assert report.ack_waits == 1
    assert len(producers.built[0].waits) == 1
    assert len(producers.built[0].sent) == 6


def test_a_message_with_one_unacknowledged_record_is_retried_alone() -> None:
    producers = FakeProducers(fails_for("m1/1"))
    report = forwarder(producers).forward(messages("records:2", "records:2"), within(10.0))
    assert outcomes(report) == [Outcome.DELIVERED, Outcome.RETRY]
    assert report.response() == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


def test_an_invalid_message_is_dead_lettered_with_its_reason_and_acknowledged() -> None:
    sink = FakeDeadLetters()
    report = forwarder(sink=sink).forward(messages("records:1", "invalid"), within(10.0))
    assert outcomes(report) == [Outcome.DELIVERED, Outcome.INVALID]
    assert [(d.message_id, d.body, d.error_class, d.reason) for d in sink.letters] == [
        ("m1", "invalid", "InvalidBatch", "invalid_json")
    ]
    assert report.response() == {"batchItemFailures": []}


def test_an_invalid_message_whose_dead_letter_send_fails_is_retried() -> None:
    report = forwarder(sink=FakeDeadLetters(fail=True)).forward(messages("invalid"), within(10.0))
    assert outcomes(report) == [Outcome.RETRY]
    assert report.outcomes[0].reason == "dead_letter_failed"


def test_a_record_the_broker_refuses_as_too_large_dead_letters_its_message() -> None:
    sink = FakeDeadLetters()
    producers = FakeProducers(fails_for("m0/0", error=RecordTooLarge("broker limit")))
    report = forwarder(producers, sink=sink).forward(messages("records:1"), within(10.0))
    assert report.outcomes[0] == MessageOutcome(
        "m0", Outcome.INVALID, 1, "oversize", "RecordTooLarge"
    )
    assert [d.reason for d in sink.letters] == ["oversize"]


def test_a_message_without_records_is_delivered_without_building_a_producer() -> None:
    producers = FakeProducers()
    report = forwarder(producers).forward(messages("drop"), within(10.0))
    assert outcomes(report) == [Outcome.DELIVERED]
    assert producers.built == []
    assert report.dropped == {"eventless_batch": 1}


def test_the_producer_is_reused_across_invocations() -> None:
    producers = FakeProducers()
    subject = forwarder(producers)
    subject.forward(messages("records:1"), within(10.0))
    subject.forward(messages("records:1"), within(10.0))
    assert len(producers.built) == 1


def only_password(password: str):  # type: ignore[no-untyped-def]
    def answer(_r: KafkaRecord, credentials: Credentials | None) -> ForwarderError | None:
        ok = credentials is not None and credentials.password == password
        return None if ok else CredentialsRejected("rejected")

    return answer


def test_rejected_credentials_are_refetched_once_and_the_records_sent_again() -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED])
    producers = FakeProducers(only_password("new-password"))
    report = forwarder(producers, secrets).forward(messages("records:2"), within(10.0))
    assert outcomes(report) == [Outcome.DELIVERED]
    assert secrets.refreshes == 1
    assert report.secret_refreshes == 1
    assert producers.built[0].closed
    assert producers.built[1].credentials == ALICE_ROTATED


def test_credentials_still_rejected_after_the_refetch_leave_the_records_for_retry() -> None:
    secrets = FakeSecrets([ALICE, ALICE])
    producers = FakeProducers(only_password("never"))
    report = forwarder(producers, secrets).forward(messages("records:1"), within(10.0))
    assert outcomes(report) == [Outcome.RETRY]
    assert secrets.refreshes == 1
    assert report.outcomes[0].error_class == "CredentialsRejected"


def test_rejected_credentials_near_the_deadline_are_refetched_and_used_next_time() -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED])
    producers = FakeProducers(only_password("new-password"))
    clock = itertools.count(0.0, 1.0)  # every look at the clock costs a second
    subject = forwarder(producers, secrets)
    report = subject.forward(messages("records:1"), within(3.0, clock))
    assert outcomes(report) == [Outcome.RETRY]
    assert secrets.refreshes == 1
    assert len(producers.built) == 1
    assert outcomes(subject.forward(messages("records:1"), within(30.0))) == [Outcome.DELIVERED]
    assert producers.built[-1].credentials == ALICE_ROTATED


def test_an_unreachable_cluster_refetches_the_secret_and_retries_with_a_new_value() -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED])

    def login_refused_at_bootstrap(_r: KafkaRecord, c: Credentials | None) -> ForwarderError | None:
        return None if c == ALICE_ROTATED else BrokerUnreachable("no metadata")

    producers = FakeProducers(login_refused_at_bootstrap)
    report = forwarder(producers, secrets).forward(messages("records:1"), within(30.0))
    assert outcomes(report) == [Outcome.DELIVERED]
    assert secrets.refreshes == 1


def test_an_unreachable_cluster_with_an_unchanged_secret_is_not_retried_at_once() -> None:
    producers = FakeProducers(lambda _r, _c: BrokerUnreachable("no metadata"))
    report = forwarder(producers, FakeSecrets([ALICE, ALICE])).forward(
        messages("records:1"), within(30.0)
    )
    assert outcomes(report) == [Outcome.RETRY]
    assert report.ack_waits == 1


def test_an_unreadable_secret_leaves_every_message_for_retry() -> None:
    report = forwarder(secrets=FakeSecrets([None])).forward(
        messages("records:1", "records:1"), within(10.0)
    )
    assert outcomes(report) == [Outcome.RETRY, Outcome.RETRY]
    assert report.outcomes[0].error_class == "SecretUnavailable"


def test_a_changed_secret_value_rebuilds_the_producer_before_sending() -> None:
    secrets = FakeSecrets([ALICE, ALICE_ROTATED])
    producers = FakeProducers()
    subject = forwarder(producers, secrets)
    subject.forward(messages("records:1"), within(10.0))
    secrets.rotate()  # the cache expired and Secrets Manager holds a new version
    subject.forward(messages("records:1"), within(10.0))
    assert [p.credentials for p in producers.built] == [ALICE, ALICE_ROTATED]
    assert producers.built[0].closed


def test_a_producer_left_with_unacknowledged_records_is_replaced_next_time() -> None:
    producers = FakeProducers(fails_for("m0/0"))
    subject = forwarder(producers)
    subject.forward(messages("records:1"), within(10.0))
    producers.answer = lambda _r, _c: None
    report = subject.forward(messages("records:1"), within(10.0))
    assert producers.built[0].closed
    assert len(producers.built) == 2
    assert outcomes(report) == [Outcome.DELIVERED]


def test_the_wait_is_bounded_by_the_time_budget() -> None:
    producers = FakeProducers()
    forwarder(producers).forward(messages("records:1"), within(7.5))
    assert producers.built[0].waits == [7.5]


def in_groups(*pairs: tuple[str, str]) -> list[SqsMessage]:
    """FIFO messages m0, m1, ... from (group, body) pairs, in SQS order."""
    return [SqsMessage(f"m{i}", body, group_id=group) for i, (group, body) in enumerate(pairs)]


def sent_ids(producers: FakeProducers) -> list[list[str]]:
    """The message ids of each produce call's records, wave by wave."""
    return [
        [r.value.decode().split("/")[0] for r in chunk]
        for producer in producers.built
        for chunk in producer.calls
    ]


def test_on_fifo_a_later_message_of_a_group_is_sent_only_after_the_earlier_is_acknowledged() -> (
    None
):
    producers = FakeProducers()
    report = forwarder(producers).forward(
        in_groups(("a", "records:2"), ("b", "records:1"), ("a", "records:1")),
        within(10.0),
        fifo=True,
    )
    assert sent_ids(producers) == [["m0", "m0", "m1"], ["m2"]]
    assert outcomes(report) == [Outcome.DELIVERED] * 3
    assert report.ack_waits == 2


def test_on_fifo_after_a_failure_the_rest_of_that_group_is_retried_unsent() -> None:
    producers = FakeProducers(fails_for("m0/"))
    report = forwarder(producers).forward(
        in_groups(("a", "records:1"), ("a", "records:1"), ("a", "records:1")),
        within(10.0),
        fifo=True,
    )
    assert sent_ids(producers) == [["m0"]]
    assert outcomes(report) == [Outcome.RETRY] * 3
    assert [o.reason for o in report.outcomes][1:] == ["fifo_order", "fifo_order"]


def test_on_fifo_a_failure_in_one_group_lets_the_other_groups_go_on() -> None:
    producers = FakeProducers(fails_for("m0/"))
    report = forwarder(producers).forward(
        in_groups(("a", "records:1"), ("b", "records:1"), ("a", "records:1"), ("b", "records:1")),
        within(10.0),
        fifo=True,
    )
    assert outcomes(report) == [
        Outcome.RETRY, Outcome.DELIVERED, Outcome.RETRY, Outcome.DELIVERED
    ]  # fmt: skip
    assert sent_ids(producers) == [["m0", "m1"], ["m3"]]
    assert report.batch_item_failures() == [{"itemIdentifier": "m0"}, {"itemIdentifier": "m2"}]


def test_on_fifo_an_invalid_message_after_a_failure_is_not_dead_lettered() -> None:
    sink = FakeDeadLetters()
    producers = FakeProducers(fails_for("m0/"))
    report = forwarder(producers, sink=sink).forward(
        in_groups(("a", "records:1"), ("a", "invalid")), within(10.0), fifo=True
    )
    assert sink.letters == []
    assert outcomes(report) == [Outcome.RETRY, Outcome.RETRY]


def test_on_fifo_a_dead_lettered_message_lets_its_group_go_on() -> None:
    sink = FakeDeadLetters()
    report = forwarder(sink=sink).forward(
        in_groups(("a", "invalid"), ("a", "records:1")), within(10.0), fifo=True
    )
    assert outcomes(report) == [Outcome.INVALID, Outcome.DELIVERED]


def test_on_fifo_a_dead_letter_keeps_its_message_group() -> None:
    sink = FakeDeadLetters()
    forwarder(sink=sink).forward(in_groups(("user-7", "invalid")), within(10.0), fifo=True)
    assert [letter.group_id for letter in sink.letters] == ["user-7"]


def test_on_fifo_a_failed_dead_letter_send_holds_the_rest_of_its_group_unsent() -> None:
    producers = FakeProducers()
    report = forwarder(producers, sink=FakeDeadLetters(fail=True)).forward(
        in_groups(("a", "records:1"), ("a", "invalid"), ("a", "records:1")), within(10.0), fifo=True
    )
    assert report.batch_item_failures() == [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]
    assert sent_ids(producers) == [["m0"]]


def test_on_fifo_messages_without_a_group_keep_the_order_of_the_whole_batch() -> None:
    producers = FakeProducers(fails_for("m1/"))
    report = forwarder(producers).forward(
        messages("records:1", "records:1", "records:1"), within(10.0), fifo=True
    )
    assert outcomes(report) == [Outcome.DELIVERED, Outcome.RETRY, Outcome.RETRY]
    assert sent_ids(producers) == [["m0"], ["m1"]]


def test_on_a_standard_queue_groups_are_ignored_and_one_wait_sends_everything() -> None:
    producers = FakeProducers()
    report = forwarder(producers).forward(
        in_groups(("a", "records:1"), ("a", "records:1")), within(10.0)
    )
    assert report.ack_waits == 1
    assert sent_ids(producers) == [["m0", "m1"]]


@given(st.lists(st.sampled_from(list(Outcome)), max_size=30))
def test_batch_item_failures_name_exactly_the_retried_messages(kinds: list[Outcome]) -> None:
    report = InvocationReport([MessageOutcome(f"id-{i}", k) for i, k in enumerate(kinds)])
    assert report.batch_item_failures() == [
        {"itemIdentifier": f"id-{i}"} for i, k in enumerate(kinds) if k is Outcome.RETRY
    ]


# --- slices: memory bounded whatever a message expands into ------------------------------------


def sliced_forwarder(producers: FakeProducers, inflight_bytes: int) -> Forwarder:
    return Forwarder(
        ScriptedTransform(), producers, FakeDeadLetters(), None, inflight_bytes=inflight_bytes
    )


def test_records_over_the_inflight_budget_are_sent_in_slices_each_within_it() -> None:
    producers = FakeProducers()
    # Values are "m0/0".."m0/9" (4 bytes) and "m1/0".. (4 bytes): 12 bytes hold 3 records.
    report = sliced_forwarder(producers, 12).forward(
        messages("records:10", "records:5"), within(10.0)
    )
    sent = producers.built[0].sent
    assert [r.value for r in sent] == [f"m0/{n}".encode() for n in range(10)] + [
        f"m1/{n}".encode() for n in range(5)
    ]
    assert report.ack_waits == 5
    assert outcomes(report) == [Outcome.DELIVERED, Outcome.DELIVERED]
    assert report.records_produced == 15


def test_a_record_larger_than_the_budget_is_sent_alone() -> None:
    producers = FakeProducers()
    report = sliced_forwarder(producers, 1).forward(messages("records:3"), within(10.0))
    assert report.ack_waits == 3
    assert outcomes(report) == [Outcome.DELIVERED]


def test_a_message_split_over_slices_is_retried_when_any_slice_fails() -> None:
    producers = FakeProducers(fails_for("m0/9"))
    report = sliced_forwarder(producers, 12).forward(
        messages("records:10", "records:2"), within(10.0)
    )
    assert outcomes(report) == [Outcome.RETRY, Outcome.DELIVERED]


def test_after_an_unreachable_cluster_the_later_slices_are_not_sent() -> None:
    producers = FakeProducers(lambda _r, _c: BrokerUnreachable("no metadata"))
    report = Forwarder(
        ScriptedTransform(),
        producers,
        FakeDeadLetters(),
        FakeSecrets([ALICE, ALICE]),
        inflight_bytes=12,
    ).forward(messages("records:10"), within(30.0))
    assert report.ack_waits == 1
    assert len(producers.built[0].sent) == 3
    assert report.outcomes[0].error_class == "BrokerUnreachable"


def test_an_unknown_topic_is_retried_with_its_reason_and_names_the_topic() -> None:
    producers = FakeProducers(lambda r, _c: UnknownTopic(r.topic))
    secrets = FakeSecrets([ALICE, ALICE_ROTATED])
    report = forwarder(producers, secrets).forward(messages("records:2"), within(10.0))
    assert report.outcomes[0] == MessageOutcome(
        "m0", Outcome.RETRY, 2, "unknown_topic", "UnknownTopic"
    )
    assert report.unwritable_topics == {"t": "unknown_topic"}
    assert secrets.refreshes == 0


def test_records_are_not_sent_once_the_wait_is_over() -> None:
    producers = FakeProducers()
    report = forwarder(producers).forward(messages("records:1"), within(0.0))
    assert outcomes(report) == [Outcome.RETRY]
    assert producers.built == []


def test_dropped_events_are_counted_only_for_delivered_messages() -> None:
    producers = FakeProducers(fails_for("m1/"))
    report = forwarder(producers).forward(messages("drop", "records:1"), within(10.0))
    assert report.dropped == {"eventless_batch": 1}
    report = forwarder(FakeProducers()).forward(
        messages("records:1", "drop"), within(10.0), fifo=True
    )
    assert report.dropped == {"eventless_batch": 1}


def test_bytes_produced_are_the_value_bytes_of_every_acknowledged_record() -> None:
    # Values "m0/0", "m0/1" (acknowledged), "m1/0" (refused), "m2/0".."m2/9" (acknowledged).
    producers = FakeProducers(fails_for("m1/"))
    report = forwarder(producers).forward(
        messages("records:2", "records:1", "records:10"), within(10.0)
    )
    assert report.bytes_produced == 12 * 4


def test_bytes_produced_count_every_slice() -> None:
    report = sliced_forwarder(FakeProducers(), 12).forward(
        messages("records:10", "records:5"), within(10.0)
    )
    assert report.ack_waits == 5
    assert report.bytes_produced == 15 * 4


def test_forwarded_events_are_counted_by_type_only_for_delivered_messages() -> None:
    producers = FakeProducers(fails_for("m1/"))
    report = forwarder(producers).forward(
        messages("records:2", "records:3", "invalid", "records:4"), within(10.0)
    )
    assert outcomes(report) == [
        Outcome.DELIVERED, Outcome.RETRY, Outcome.INVALID, Outcome.DELIVERED
    ]  # fmt: skip
    assert report.events_forwarded == {"custom_event": 6}


def test_on_fifo_the_response_and_the_counts_agree_after_a_failed_dead_letter() -> None:
    report = forwarder(sink=FakeDeadLetters(fail=True)).forward(
        in_groups(("a", "records:1"), ("a", "invalid"), ("a", "records:1")), within(10.0), fifo=True
    )
    retried = {f["itemIdentifier"] for f in report.response()["batchItemFailures"]}
    assert retried == {"m1", "m2"}
    assert report.count(Outcome.DELIVERED) == 1
    assert report.count(Outcome.RETRY) == 2


def test_a_transform_that_raises_retries_that_message_alone() -> None:
    faults = Faults({"transform": (1, RuntimeError)})
    report = Forwarder(
        ScriptedTransform(faults), FakeProducers(), FakeDeadLetters(), FakeSecrets([ALICE])
    ).forward(messages("records:1", "records:1", "records:1"), within(10.0))
    assert outcomes(report) == [Outcome.DELIVERED, Outcome.RETRY, Outcome.DELIVERED]
    assert report.faults == ("transform raised RuntimeError",)


def test_closing_the_forwarder_releases_producer_secret_source_dead_letters_and_retries() -> None:
    producers, secrets = FakeProducers(), FakeSecrets([ALICE])
    sink, retries = FakeDeadLetters(), FakeRetries()
    fwd = Forwarder(ScriptedTransform(), producers, sink, secrets, retries=retries)
    fwd.forward(messages("records:1"), within(5.0))

    fwd.close()

    assert [p.closed for p in producers.built] == [True]
    assert (secrets.closed, sink.closed, retries.closed) == (True, True, True)


# --- the shipment: slicing and tallies, one slice at a time ------------------------------------


def shipment(producers: FakeProducers, budget: int, deadline: Deadline | None = None) -> Shipment:
    return Shipment(ProducerSession(producers), deadline or within(10.0), SendStats(), budget)


def parts_of(values: list[bytes], as_records: bool) -> Sequence[KafkaRecord]:
    """The same values as lazily built `Records` or as a plain list of records."""
    records = Records(values, topic="t", key=None, batch_id=None, dedup_key="d")
    return records if as_records else list(records)


@pytest.mark.parametrize("as_records", [True, False])
def test_a_message_cut_over_slices_fills_each_slice_from_where_the_last_stopped(
    as_records: bool,
) -> None:
    producers = FakeProducers()
    ship = shipment(producers, 6)
    ship.add(parts_of([b"aaaaa", b"bbbbb", b"c", b"d", b"eeeee"], as_records))
    ship.finish()
    calls = [[r.value for r in call] for call in producers.built[0].calls]
    assert calls == [[b"aaaaa"], [b"bbbbb", b"c"], [b"d", b"eeeee"]]


@pytest.mark.parametrize("as_records", [True, False])
def test_the_next_message_joins_a_slice_by_the_room_the_last_ones_tail_left(
    as_records: bool,
) -> None:
    producers = FakeProducers()
    ship = shipment(producers, 6)
    ship.add(parts_of([b"aaaaa", b"bb", b"c"], as_records))
    ship.add(parts_of([b"ddd"], as_records))
    ship.finish()
    calls = [[r.value for r in call] for call in producers.built[0].calls]
    assert calls == [[b"aaaaa"], [b"bb", b"c", b"ddd"]]


def test_a_tally_counts_each_acknowledged_record_beside_a_refused_one() -> None:
    tally = Tally(3)
    tally.add([None, RecordTooLarge("too large"), None])
    assert tally.acknowledged == 2


def test_a_tally_keeps_the_error_of_records_not_sent() -> None:
    tally, error = Tally(1), DeliveryFailed("not sent")
    tally.fail(error)
    assert tally.error is error


def test_a_tally_keeps_the_first_of_two_permanent_errors() -> None:
    tally, first = Tally(2), RecordTooLarge("first")
    tally.add([first, RecordTooLarge("second")])
    assert tally.error is first


def test_a_tally_lets_a_transient_error_replace_a_permanent_one() -> None:
    tally, transient = Tally(2), DeliveryFailed("transient")
    tally.add([RecordTooLarge("permanent"), transient])
    assert tally.error is transient


def test_after_an_unreachable_cluster_the_next_message_fails_with_its_error_unsent() -> None:
    producers = FakeProducers(lambda _r, _c: BrokerUnreachable("no metadata"))
    ship = shipment(producers, 1)
    ship.add(parts_of([b"a", b"b"], as_records=False))
    tally = ship.add(parts_of([b"c"], as_records=False))
    assert isinstance(tally.error, BrokerUnreachable)
    assert tally is ship.tallies[1]
    assert [r.value for r in producers.built[0].sent] == [b"a"]


def test_a_slice_is_sent_while_any_wait_is_left() -> None:
    producers = FakeProducers()
    ship = shipment(producers, 10, within(0.5))
    ship.add(parts_of([b"a"], as_records=False))
    assert ship.finish()[0].acknowledged == 1


def test_a_slice_whose_deadline_passed_fails_unsent_saying_so() -> None:
    producers = FakeProducers()
    ship = shipment(producers, 10, within(0.0))
    ship.add(parts_of([b"a"], as_records=False))
    error = ship.finish()[0].error
    assert isinstance(error, DeliveryFailed)
    assert str(error) == "the deadline passed before the records were sent"
    assert producers.built == []


def test_the_produce_time_adds_up_the_sends_of_every_slice() -> None:
    now = [0.0]

    def slow_ack(_record: KafkaRecord, _c: Credentials | None) -> ForwarderError | None:
        now[0] += 0.5
        return None

    ship = shipment(FakeProducers(slow_ack), 1, Deadline.in_seconds(10.0, clock=lambda: now[0]))
    ship.add(parts_of([b"a", b"b"], as_records=False))
    ship.finish()
    assert ship.produce_seconds == 1.0


# --- the decisions: outcomes, their counts and reasons -----------------------------------------


def fifo(*bodies: str) -> list[SqsMessage]:
    """One FIFO message group holding `bodies` in order."""
    return [SqsMessage(f"m{i}", body, group_id="g") for i, body in enumerate(bodies)]


def test_counts_of_delivered_messages_add_up_per_type() -> None:
    report = forwarder().forward(messages("records:2", "records:3"), within(10.0))
    assert report.events_forwarded == {"custom_event": 5}


def test_a_retried_messages_events_are_not_counted_as_forwarded() -> None:
    producers = FakeProducers(fails_for("m1/"))
    report = forwarder(producers).forward(messages("records:2", "records:3"), within(10.0))
    assert report.events_forwarded == {"custom_event": 2}


def test_an_invalid_message_counts_no_records() -> None:
    report = forwarder().forward(messages("invalid"), within(10.0))
    assert report.outcomes[0].records == 0


def test_a_delivered_message_counts_its_records() -> None:
    report = forwarder().forward(messages("records:3"), within(10.0))
    assert report.outcomes[0].records == 3


def test_a_transform_that_raises_retries_the_message_saying_the_transform_failed() -> None:
    transform = ScriptedTransform(Faults({"transform": (0, ValueError)}))
    report = Forwarder(transform, FakeProducers(), FakeDeadLetters()).forward(
        messages("records:1"), within(10.0)
    )
    outcome = report.outcomes[0]
    assert (outcome.outcome, outcome.reason, outcome.error_class) == (
        Outcome.RETRY,
        "the transform failed",
        "DeliveryFailed",
    )


def test_records_neither_acknowledged_nor_failed_retry_their_message() -> None:
    outcome = _decide(Shipped("m", {}, {}, {}), Tally(2, acknowledged=1))
    assert (outcome.outcome, outcome.reason, outcome.error_class) == (
        Outcome.RETRY,
        "not every record was acknowledged",
        "DeliveryFailed",
    )


def test_an_error_without_text_is_reported_by_its_class() -> None:
    outcome = _decide(Shipped("m", {}, {}, {}), Tally(1, error=DeliveryFailed("")))
    assert outcome.reason == "DeliveryFailed"


def test_a_message_whose_dead_letter_failed_is_retried_keeping_its_records_and_the_class() -> None:
    producers = FakeProducers(lambda _r, _c: RecordTooLarge("record_too_large"))
    report = forwarder(producers, sink=FakeDeadLetters(fail=True)).forward(
        messages("records:2"), within(10.0)
    )
    outcome = report.outcomes[0]
    assert (outcome.outcome, outcome.records, outcome.error_class) == (
        Outcome.RETRY,
        2,
        "DeadLetterFailed",
    )


def test_a_dead_letter_sink_raising_is_named_as_a_fault() -> None:
    sink = FakeDeadLetters(faults=Faults({"dead_letters": (0, ValueError)}))
    report = forwarder(sink=sink).forward(messages("invalid"), within(10.0))
    assert report.faults == ("dead-letter sink raised ValueError",)


def test_the_forwarders_breaker_bounds_the_wait_after_an_unreachable_cluster() -> None:
    producers = FakeProducers(lambda _r, _c: BrokerUnreachable("no metadata"))
    sending = Forwarder(
        ScriptedTransform(), producers, FakeDeadLetters(), breaker=Breaker(probe_wait_s=0.25)
    )
    sending.forward(messages("records:1"), within(10.0))
    sending.forward(messages("records:1"), within(10.0))
    assert [w for p in producers.built for w in p.waits] == [10.0, 0.25]


def test_the_report_counts_the_probes() -> None:
    producers = FakeProducers(lambda _r, _c: BrokerUnreachable("no metadata"))
    sending = forwarder(producers)
    sending.forward(messages("records:1"), within(10.0))
    assert sending.forward(messages("records:1"), within(10.0)).probes == 1


def test_the_report_holds_the_time_spent_producing() -> None:
    now = [0.0]

    def slow_ack(_record: KafkaRecord, _c: Credentials | None) -> ForwarderError | None:
        now[0] += 0.25
        return None

    report = forwarder(FakeProducers(slow_ack)).forward(
        messages("records:2"), Deadline.in_seconds(10.0, clock=lambda: now[0])
    )
    assert report.produce_seconds == 0.5


def test_fifo_a_transform_raising_is_named_as_a_fault() -> None:
    transform = ScriptedTransform(Faults({"transform": (0, ValueError)}))
    report = Forwarder(transform, FakeProducers(), FakeDeadLetters()).forward(
        fifo("records:1"), within(10.0), fifo=True
    )
    assert report.faults == ("transform raised ValueError",)


def test_fifo_dead_letters_are_bounded_by_the_invocations_deadline() -> None:
    sink, deadline = FakeDeadLetters(), within(10.0)
    forwarder(sink=sink).forward(fifo("invalid"), deadline, fifo=True)
    assert sink.deadlines == [deadline]


def test_fifo_a_dead_letter_sink_raising_is_named_as_a_fault() -> None:
    sink = FakeDeadLetters(faults=Faults({"dead_letters": (0, ValueError)}))
    report = forwarder(sink=sink).forward(fifo("invalid"), within(10.0), fifo=True)
    assert report.faults == ("dead-letter sink raised ValueError",)


def test_fifo_a_message_held_behind_a_retried_one_counts_no_records() -> None:
    producers = FakeProducers(fails_for("m0/"))
    report = forwarder(producers).forward(fifo("records:1", "records:2"), within(10.0), fifo=True)
    assert (report.outcomes[1].outcome, report.outcomes[1].records) == (Outcome.RETRY, 0)
