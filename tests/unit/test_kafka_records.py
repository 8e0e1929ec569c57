"""Kafka records (docs/contract.md#records): topic, key, value and headers, per batch or event."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from core.kafka_records import Records, body_digest
from core.sqs_event import SqsMessage
from core.transform import BatchTransform, Transformed
from tests.support.transforming import (
    MESSAGE_ID,
    body_of,
    dedup_stem,
    event,
    headers,
    make_settings,
    records,
    transformed,
    values,
)


def test_topic_is_the_kafka_topic_setting() -> None:
    (record,) = records({"events": []}, kafka_topic="mparticle-events")
    assert record.topic == "mparticle-events"


def test_topic_is_empty_when_no_topic_is_set() -> None:
    transform = BatchTransform.from_settings(make_settings(kafka_topic=None))
    result = transform.apply(SqsMessage(MESSAGE_ID, '{"events":[]}'))
    assert isinstance(result, Transformed)
    assert result.records[0].topic == ""


def test_key_is_the_mpid_as_decimal_utf8() -> None:
    (record,) = records({"mpid": -8205710379248813376, "events": []})
    assert record.key == b"-8205710379248813376"


def test_no_key_without_mpid() -> None:
    (record,) = records({"events": [event()]})
    assert record.key is None


def test_every_per_event_record_carries_the_batch_key() -> None:
    result = records({"mpid": 42, "events": [event(), event()]}, send_as_batch=False)
    assert [r.key for r in result] == [b"42", b"42"]


def test_value_is_compact_json() -> None:
    (record,) = records({"events": [event(a=1)], "mpid": 1})
    assert (
        record.value
        == json.dumps({"events": [event(a=1)], "mpid": 1}, separators=(",", ":")).encode()
    )


def test_batch_record_headers() -> None:
    batch = {"events": [event()], "batch_id": -5539021836540099217}
    (record,) = records(batch)
    assert headers(record) == {
        "content-type": "application/json",
        "x-forwarder-dedup-id": f"{dedup_stem(batch)}:0",
        "x-mp-batch-id": "-5539021836540099217",
    }


def test_per_event_record_headers_name_the_event_type() -> None:
    batch = {"events": [event("screen_view")], "batch_id": 5}
    result = records(batch, send_as_batch=False)
    assert headers(result[0]) == {
        "content-type": "application/json",
        "x-forwarder-dedup-id": f"{dedup_stem(batch)}:0",
        "x-mp-batch-id": "5",
        "x-mp-event-type": "screen_view",
    }


def test_header_order_is_content_type_dedup_batch_event() -> None:
    (record,) = records({"events": [event()], "batch_id": 5}, send_as_batch=False)
    assert [name for name, _ in record.headers] == [
        "content-type",
        "x-forwarder-dedup-id",
        "x-mp-batch-id",
        "x-mp-event-type",
    ]


def test_unknown_event_type_is_named_in_its_header() -> None:
    (record,) = records({"events": [event("loyalty_points_awarded")]}, send_as_batch=False)
    assert headers(record)["x-mp-event-type"] == "loyalty_points_awarded"


def test_no_batch_id_header_without_batch_id() -> None:
    (record,) = records({"events": [event()], "batch_id": None})
    assert "x-mp-batch-id" not in headers(record)


@pytest.mark.parametrize("batch_id", ["007", "-0042", "7", "-0"])
def test_batch_id_decimal_string_is_its_header_as_given(batch_id: str) -> None:
    (record,) = records({"events": [], "batch_id": batch_id})
    assert headers(record)["x-mp-batch-id"] == batch_id


@pytest.mark.parametrize("literal", ["7", "-0", "-5539021836540099217"])
@pytest.mark.parametrize("send_as_batch", [True, False])
def test_batch_id_integer_is_its_header_as_written(literal: str, send_as_batch: bool) -> None:
    body = f'{{"events":[{{"event_type":"x"}}],"batch_id":{literal}}}'
    (record,) = records(body, send_as_batch=send_as_batch)
    assert headers(record)["x-mp-batch-id"] == literal


def test_mpid_key_stays_canonical_when_the_batch_id_header_is_literal() -> None:
    (record,) = records({"events": [], "mpid": "007", "batch_id": "007"})
    assert record.key == b"7"
    assert headers(record)["x-mp-batch-id"] == "007"


def test_batch_id_that_is_not_an_integer_gets_no_header_and_is_forwarded() -> None:
    result = transformed({"events": [], "batch_id": "batch-7"})
    assert "x-mp-batch-id" not in headers(result.records[0])
    assert json.loads(result.records[0].value)["batch_id"] == "batch-7"


def test_batch_id_beyond_64_bits_keeps_every_digit_in_its_header() -> None:
    (record,) = records('{"events":[],"batch_id":123456789012345678901234}')
    assert headers(record)["x-mp-batch-id"] == "123456789012345678901234"


def test_eventless_batch_record_has_no_event_type_header() -> None:
    (record,) = records({"events": []}, send_as_batch=False)
    assert "x-mp-event-type" not in headers(record)


def test_dedup_ids_number_the_records_of_one_message_from_zero() -> None:
    batch = {"events": [event() for _ in range(1030)]}
    result = records(batch, send_as_batch=False)
    ids = [headers(r)["x-forwarder-dedup-id"] for r in result]
    assert ids == [f"{dedup_stem(batch)}:{n}" for n in range(1030)]


def test_dedup_ids_are_stable_across_redeliveries() -> None:
    first = records({"events": [event(), event()]}, send_as_batch=False)
    again = records({"events": [event(), event()]}, send_as_batch=False)
    assert first == again


def test_dedup_id_stem_is_the_sha256_of_the_body_cut_to_128_bits_in_hex() -> None:
    body = body_of({"events": [event()], "mpid": 7})
    (record,) = records(body)
    expected = hashlib.sha256(body.encode()).hexdigest()[:32]
    assert headers(record)["x-forwarder-dedup-id"] == f"{expected}:0"
    assert len(expected) == 32


def test_dedup_ids_do_not_depend_on_the_sqs_message_id() -> None:
    # A DLQ redrive or an identical resend gives the same body a new message id.
    transform = BatchTransform.from_settings(make_settings(send_as_batch=False))
    body = body_of({"events": [event(), event()], "mpid": 1})
    first = transform.apply(SqsMessage("original-id", body))
    redriven = transform.apply(SqsMessage("redriven-id", body))
    assert isinstance(first, Transformed)
    assert isinstance(redriven, Transformed)
    assert list(first.records) == list(redriven.records)


def test_different_bodies_have_different_dedup_ids() -> None:
    one = records({"events": [event(n=1)]})[0]
    other = records({"events": [event(n=2)]})[0]
    assert headers(one)["x-forwarder-dedup-id"] != headers(other)["x-forwarder-dedup-id"]


def test_body_digest_of_a_lone_surrogate_is_a_digest_not_an_error() -> None:
    assert len(body_digest("\ud800")) == 32


def test_per_event_record_keeps_events_where_it_was() -> None:
    batch: dict[str, Any] = {
        "schema_version": 2,
        "events": [event("a"), event("b")],
        "mpid": 1,
        "ip": "x",
    }
    for record, one in zip(records(batch, send_as_batch=False), batch["events"], strict=True):
        assert list(json.loads(record.value).items()) == [
            ("schema_version", 2),
            ("events", [one]),
            ("mpid", 1),
            ("ip", "x"),
        ]


def test_per_event_records_follow_the_event_order() -> None:
    events = [event(n=n) for n in range(5)]
    assert [v["events"] for v in values({"events": events}, send_as_batch=False)] == [
        [e] for e in events
    ]


def test_per_event_record_of_a_batch_with_events_first_or_last() -> None:
    for batch in ({"events": [event()], "mpid": 1}, {"mpid": 1, "events": [event()]}):
        assert values(batch, send_as_batch=False) == [batch]


def test_per_event_record_of_a_batch_with_only_events() -> None:
    assert values({"events": [event()]}, send_as_batch=False) == [{"events": [event()]}]


def test_messages_do_not_share_state() -> None:
    transform = BatchTransform.from_settings(make_settings(send_as_batch=False, unique_id="u"))
    first = transform.apply(SqsMessage("m-1", '{"events":[{"event_type":"a"}],"mpid":1}'))
    second = transform.apply(SqsMessage("m-2", '{"events":[{"event_type":"b"}]}'))
    assert isinstance(first, Transformed)
    assert isinstance(second, Transformed)
    first_body = '{"events":[{"event_type":"a"}],"mpid":1}'
    assert headers(first.records[0])["x-forwarder-dedup-id"] == f"{body_digest(first_body)}:0"
    assert second.records[0].key is None
    assert json.loads(second.records[0].value) == {
        "events": [{"event_type": "b"}],
        "unique_id": "u",
    }


# --- Records: a message's records made on demand -------------------------------------------------


def made_of(*parts: bytes, head: bytes = b"", tail: bytes = b"") -> Records:
    return Records(
        parts, topic="events", key=None, batch_id=None, dedup_key="d", head=head, tail=tail
    )


def test_value_sizes_are_each_values_bytes_from_start_on_without_building_them() -> None:
    made = made_of(b"a", b"bb", b"cccc", head=b"[", tail=b"]}")
    assert list(made.value_sizes(1)) == [5, 7]
    assert list(made.value_sizes()) == [len(record.value) for record in made]


def test_records_equal_the_sequence_of_the_same_records() -> None:
    made = made_of(b"1", b"2")
    assert made == list(made)
    assert made == tuple(made)


def test_records_differ_from_a_sequence_with_other_or_fewer_records() -> None:
    made = made_of(b"1", b"2")
    assert made != list(made_of(b"1", b"3"))
    assert made != list(made)[:1]
    assert made != [*made, *made]


def test_records_are_not_equal_to_what_is_no_sequence() -> None:
    assert made_of(b"1").__eq__(object()) is NotImplemented


def test_value_bytes_count_head_and_tail_once_per_value_in_the_range() -> None:
    made = made_of(b"a", b"bb", b"cccc", head=b"[", tail=b"]}")
    assert made.value_bytes() == 16
    assert made.value_bytes(1, 2) == 5
    assert made.value_bytes() == sum(len(record.value) for record in made)


def test_a_record_is_built_alone_at_its_index_and_a_slice_as_a_tuple() -> None:
    made = made_of(b"1", b"2", b"3")
    every = tuple(made)
    assert (made[1], made[-1]) == (every[1], every[2])
    assert made[1:] == every[1:]


def test_records_made_from_values_alone_are_numbered_from_zero() -> None:
    made = Records([b"a", b"b"], topic="t", key=None, batch_id=None, dedup_key="d")
    assert [dict(record.headers)["x-forwarder-dedup-id"] for record in made] == [b"d:0", b"d:1"]


def test_records_are_shown_by_their_dedup_key_and_count() -> None:
    made = Records([b"a", b"b"], topic="t", key=None, batch_id=None, dedup_key="d0")
    assert repr(made) == "Records('d0', 2 records)"
