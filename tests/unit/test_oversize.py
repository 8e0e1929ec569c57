"""The oversize rule (docs/contract.md#splitting-oversize-records): split batch records to fit,
reject an event that cannot."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from core.framing import Frame, split
from tests.support.transforming import dedup_stem, event, headers, records, rejected, values

BATCH_FIELDS = {"mpid": -8205710379248813376, "batch_id": 7, "environment": "production"}


def batch_of(count: int, padding: int = 300) -> dict[str, Any]:
    return {"events": [event(n=n, text="x" * padding) for n in range(count)], **BATCH_FIELDS}


def size_of(batch: dict[str, Any], **settings: Any) -> int:
    """Length of the batch's single record value when nothing limits it."""
    (record,) = records(batch, kafka_max_message_bytes=100_000_000, **settings)
    return len(record.value)


@pytest.mark.parametrize("extra", [0, 1])
def test_batch_record_at_or_under_the_limit_is_one_record(extra: int) -> None:
    batch = batch_of(8)
    (record,) = records(batch, kafka_max_message_bytes=size_of(batch) + extra)
    assert json.loads(record.value) == batch


def test_batch_record_one_byte_over_the_limit_is_split() -> None:
    batch = batch_of(8)
    limit = size_of(batch) - 1
    result = records(batch, kafka_max_message_bytes=limit)
    assert len(result) == 2
    assert all(len(r.value) <= limit for r in result)


def test_split_records_hold_every_event_once_in_order() -> None:
    batch = batch_of(20)
    result = values(batch, kafka_max_message_bytes=1500)
    assert [e for v in result for e in v["events"]] == batch["events"]
    assert all(v["events"] for v in result)


def test_split_records_carry_the_same_batch_fields_in_the_same_order() -> None:
    batch = batch_of(20)
    for result in values(batch, kafka_max_message_bytes=1500):
        assert list(result) == list(batch)
        assert {k: v for k, v in result.items() if k != "events"} == BATCH_FIELDS


def test_split_records_are_each_within_the_limit_and_as_few_as_fit() -> None:
    batch = batch_of(20)
    result = records(batch, kafka_max_message_bytes=1500)
    assert all(len(r.value) <= 1500 for r in result)
    # Greedy: no record could have taken the next record's first event.
    for current, following in itertools.pairwise(result):
        first_next = json.dumps(json.loads(following.value)["events"][0], separators=(",", ":"))
        assert len(current.value) + 1 + len(first_next.encode()) > 1500


def test_split_records_have_consecutive_dedup_ids() -> None:
    batch = batch_of(20)
    result = records(batch, kafka_max_message_bytes=1500)
    assert [headers(r)["x-forwarder-dedup-id"] for r in result] == [
        f"{dedup_stem(batch)}:{n}" for n in range(len(result))
    ]


def test_batch_record_whose_single_event_fits_exactly_is_sent() -> None:
    batch = batch_of(1, padding=2000)
    (record,) = records(batch, kafka_max_message_bytes=size_of(batch))
    assert json.loads(record.value) == batch


def test_batch_record_whose_single_event_is_one_byte_over_is_rejected_oversize() -> None:
    batch = batch_of(1, padding=2000)
    result = rejected(batch, kafka_max_message_bytes=size_of(batch) - 1)
    assert (result.error_class, result.reason) == ("RecordTooLarge", "oversize")


def test_one_event_too_large_rejects_the_whole_batch_even_if_others_fit() -> None:
    batch = {"events": [event(text="small"), event(text="x" * 3000), event()], **BATCH_FIELDS}
    assert rejected(batch, kafka_max_message_bytes=2048).reason == "oversize"


@pytest.mark.parametrize(("offset", "fits"), [(-1, False), (0, True), (1, True)])
def test_per_event_record_around_the_limit(offset: int, fits: bool) -> None:
    batch = batch_of(3, padding=1500)
    largest = max(
        len(r.value) for r in records(batch, send_as_batch=False, kafka_max_message_bytes=10**8)
    )
    limit = largest + offset
    if fits:
        result = records(batch, send_as_batch=False, kafka_max_message_bytes=limit)
        assert len(result) == 3
        assert all(len(r.value) <= limit for r in result)
    else:
        result_rejected = rejected(batch, send_as_batch=False, kafka_max_message_bytes=limit)
        assert (result_rejected.error_class, result_rejected.reason) == (
            "RecordTooLarge",
            "oversize",
        )


@pytest.mark.parametrize("send_as_batch", [True, False])
@pytest.mark.parametrize(("offset", "fits"), [(-1, False), (0, True), (1, True)])
def test_eventless_batch_around_the_limit(send_as_batch: bool, offset: int, fits: bool) -> None:
    batch = {"events": [], "user_attributes": {"bio": "x" * 3000}, **BATCH_FIELDS}
    limit = size_of(batch) + offset
    if fits:
        assert values(batch, send_as_batch=send_as_batch, kafka_max_message_bytes=limit) == [batch]
    else:
        result = rejected(batch, send_as_batch=send_as_batch, kafka_max_message_bytes=limit)
        assert result.reason == "oversize"


def test_limit_counts_bytes_not_characters() -> None:
    batch = {"events": [event(text="é" * 1000)]}  # 2 bytes each in UTF-8
    size = size_of(batch)
    assert size > 2000
    assert rejected(batch, kafka_max_message_bytes=size - 1).reason == "oversize"


def test_an_event_that_fills_a_record_exactly_inside_a_split_batch_is_sent() -> None:
    small, big = event(n=0, text="s"), event(n=1, text="x" * 2000)
    limit = size_of({"events": [big], **BATCH_FIELDS})
    result = values({"events": [small, big, small], **BATCH_FIELDS}, kafka_max_message_bytes=limit)
    assert [v["events"] for v in result] == [[small], [big], [small]]


def test_two_events_that_exactly_fill_a_record_share_it() -> None:
    first, second, third = (event(n=n, text="x" * 500) for n in range(3))
    limit = size_of({"events": [first, second], **BATCH_FIELDS})
    result = records(
        {"events": [first, second, third], **BATCH_FIELDS}, kafka_max_message_bytes=limit
    )
    assert [json.loads(r.value)["events"] for r in result] == [[first, second], [third]]
    assert len(result[0].value) == limit


def test_after_a_cut_the_next_share_may_fill_its_record_exactly() -> None:
    frame = Frame({"events": []})
    values = split(frame, [b"11111", b"22", b"33"], frame.overhead + 5)
    assert values == [frame.value([b"11111"]), frame.value([b"22", b"33"])]


def test_three_events_that_exactly_fill_a_record_share_it() -> None:
    frame = Frame({"events": []})
    values = split(frame, [b"1", b"2", b"3"], frame.overhead + 5)
    assert values == [frame.value([b"1", b"2", b"3"])]
