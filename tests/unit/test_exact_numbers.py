"""Every number of a record value is the text it came with (docs/contract.md#numbers).

orjson would write `1.10` as `1.1`, `1E3` as `1000.0`, `-0` as `0`; the transform keeps the
literals, in both modes, in the events and in the batch fields. The checks that decide whether
the fast path may be kept (core.number_guard) never say yes wrongly, and say yes for a body
written as orjson writes it, whose floats (`19.99`, `40.7128`) orjson writes back unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.batch import read_batch, utf8_body
from core.exact_json import ExactDocument
from core.framing import Frame
from core.number_guard import batch_numbers_kept, literals_kept, per_event_numbers_kept
from tests.support.transforming import records

NUMBERS = ["1e-400", "12345678901234567.89", "1E3", "-0", "1.10", "-0.0", "1.5e+10", "1e5",
           "2.5E-3", "0.0000001", "-0.00", "0.30000000000000001", "1e400", "19.99", "40.7128",
           "123456789012345678901234567890", "-9223372036854775809"]  # fmt: skip

# Every JSON number form: integers of any size, fractions with trailing zeros, exponents in
# both cases with and without a sign, values that underflow or overflow a double.
json_numbers = st.from_regex(
    r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?", fullmatch=True
)


def body_with(number: str, *, spaced: bool = False) -> str:
    """A batch with `number` in an event's data, in an array, in a second event and at the top."""
    gap = " " if spaced else ""
    return (
        f'{{"events":[{{"event_type":"x","data":{{"v":{number},"w":[{number},{gap}1]}}}},'
        f'{{"event_type":"y","n":{number}}}],"mpid":7,"total":{number},"mp_deviceid":"d-1"}}'
    )


def expected_texts(number: str, *, send_as_batch: bool) -> list[list[str]]:
    """The literals of each record of `body_with(number)`, in order."""
    first, second, fields = [number, number, "1"], [number], ["7", number]
    if send_as_batch:
        return [first + second + fields]
    return [first + fields, second + fields]


def number_texts(value: bytes) -> list[str]:
    """The number literals of a JSON text, as written, in order."""
    found: list[str] = []
    json.loads(value, parse_int=found.append, parse_float=found.append)
    return found


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("send_as_batch", [True, False])
def test_numbers_keep_their_text(number: str, send_as_batch: bool) -> None:
    got = [number_texts(r.value) for r in records(body_with(number), send_as_batch=send_as_batch)]
    assert got == expected_texts(number, send_as_batch=send_as_batch)


@pytest.mark.parametrize("number", NUMBERS)
def test_numbers_keep_their_text_in_a_body_with_spaces(number: str) -> None:
    (record,) = records(body_with(number, spaced=True))
    assert [number_texts(record.value)] == expected_texts(number, send_as_batch=True)


@settings(max_examples=200, deadline=None)
@given(json_numbers, st.booleans(), st.booleans())
def test_generated_numbers_keep_their_text(number: str, send_as_batch: bool, spaced: bool) -> None:
    result = records(body_with(number, spaced=spaced), send_as_batch=send_as_batch)
    got = [number_texts(record.value) for record in result]
    assert got == expected_texts(number, send_as_batch=send_as_batch)


@settings(max_examples=200, deadline=None)
@given(st.lists(json_numbers, min_size=1, max_size=8))
def test_literal_check_says_yes_only_when_orjson_writes_every_literal_back(
    numbers: list[str],
) -> None:
    body = '{"events":[],"n":[' + ",".join(numbers) + "]}"
    try:
        unchanged = orjson.dumps(orjson.loads(body)) == body.encode()
    except orjson.JSONDecodeError:
        unchanged = False
    assert literals_kept(body.encode()) == unchanged


def per_event_check(batch_fields: dict[str, Any] | str) -> bool:
    body = batch_fields if isinstance(batch_fields, str) else orjson.dumps(batch_fields).decode()
    batch = read_batch(body)
    events = batch.events or []
    batch.fields.pop("mp_deviceid", None)  # as the default settings do
    return per_event_numbers_kept(
        utf8_body(body), batch, events, list(map(orjson.dumps, events)), Frame(batch.fields)
    )


def batch_check(body: str) -> bool:
    batch = read_batch(body)
    batch.fields.pop("mp_deviceid", None)
    fields = [orjson.dumps(batch.fields)]
    return batch_numbers_kept(utf8_body(body), batch, batch.events or [], fields)


COMMON = {
    "events": [{"event_type": "commerce_event", "data": {"price": 19.99, "lat": 40.7128}}],
    "device_info": {"os_version": "17.4", "ip": "10.0.0.1"},
    "mpid": -8205710379248813376,
    "quantity": 1.0,
}


def test_a_body_written_as_orjson_writes_keeps_the_fast_path() -> None:
    assert per_event_check(COMMON)


def test_a_body_written_as_orjson_writes_keeps_the_fast_path_when_settings_remove_fields() -> None:
    assert per_event_check({**COMMON, "mp_deviceid": "0b6f7e5e-7c1d-4f0e-9a43-6f1c2b8d9e10"})


def test_a_batch_value_written_as_orjson_writes_keeps_the_fast_path() -> None:
    body = orjson.dumps({**COMMON, "mp_deviceid": "d-1"}).decode()
    assert batch_check(body)


@pytest.mark.parametrize("where", ["event", "batch fields"])
def test_a_number_orjson_would_rewrite_is_caught_in_an_orjson_shaped_body(where: str) -> None:
    text = orjson.dumps({**COMMON, "mp_deviceid": "d-1"}).decode()
    body = text.replace("19.99", "19.990") if where == "event" else text.replace("1.0", "1E0")
    assert not per_event_check(body)
    assert not batch_check(body)


@settings(max_examples=200, deadline=None)
@given(json_numbers, st.sampled_from(["event", "fields"]), st.booleans())
def test_a_number_in_one_place_of_a_compact_body_keeps_its_text(
    number: str, where: str, send_as_batch: bool
) -> None:
    # Compact, with a field the default settings remove: the fast path's output differs from the
    # body, so the checks compare the events region and round-trip the batch fields around it.
    event_value, field_value = (number, "2") if where == "event" else ("2", number)
    body = (
        f'{{"events":[{{"event_type":"x","data":{{"v":{event_value}}}}}],'
        f'"mp_deviceid":"d-1","total":{field_value}}}'
    )
    (record,) = records(body, send_as_batch=send_as_batch)
    assert number_texts(record.value) == [event_value, field_value]


def test_a_body_written_as_orjson_writes_keeps_the_fast_path_when_settings_drop_events() -> None:
    dropped = {"event_type": "user_attribute_change", "data": {"old": 1.5, "new": 2.25}}
    commerce = {"event_type": "commerce_event", "data": {"price": 19.99, "lat": 40.7128}}
    body = orjson.dumps({**COMMON, "events": [dropped, commerce, dropped]}).decode()
    batch = read_batch(body)
    kept = (batch.events or [])[1:2]
    batch.fields["events"] = kept  # as the connection settings do
    bodies = list(map(orjson.dumps, kept))
    assert per_event_numbers_kept(utf8_body(body), batch, kept, bodies, Frame(batch.fields))
    rewritten = body.replace("2.25", "2.250")
    batch = read_batch(rewritten)
    kept = (batch.events or [])[1:2]
    batch.fields["events"] = kept
    frame = Frame(batch.fields)
    assert not per_event_numbers_kept(utf8_body(rewritten), batch, kept, bodies, frame)


@pytest.mark.parametrize("send_as_batch", [True, False])
def test_numbers_keep_their_text_in_a_body_with_a_space_after_the_events_key(
    send_as_batch: bool,
) -> None:
    body = body_with("1.10").replace('"events":[', '"events": [')
    got = [number_texts(r.value) for r in records(body, send_as_batch=send_as_batch)]
    assert got == expected_texts("1.10", send_as_batch=send_as_batch)


@pytest.mark.parametrize("send_as_batch", [True, False])
def test_numbers_keep_their_text_in_the_events_of_a_repeated_events_key(
    send_as_batch: bool,
) -> None:
    # The last `events` counts (as in every JSON reader here); the first one starts with the
    # text orjson writes for the last one's event, so a check of the body's start alone passes.
    body = (
        '{"events":[{"event_type":"x","v":1.1},{"event_type":"y"}],'
        '"events":[{"event_type":"x","v":1.10}]}'
    )
    (record,) = records(body, send_as_batch=send_as_batch)
    assert number_texts(record.value) == ["1.10"]


@pytest.mark.parametrize("number", ["1.10", "1E3", "-0", "19.99"])
def test_numbers_keep_their_text_in_routed_batch_records(number: str) -> None:
    result = records(body_with(number), kafka_topic_routes="x=topic-x")
    assert sorted(r.topic for r in result) == ["events", "topic-x"]
    for record in result:
        assert set(number_texts(record.value)) - {"1", "7"} == {number}


@pytest.mark.parametrize(
    "literal",
    [str(-(2**63)), str(2**64 - 1), "1234567890123456789", "-1234567890123456789"],
)
def test_integers_within_64_bits_parse_as_integers(literal: str) -> None:
    value = ExactDocument(literal).value
    assert type(value) is int
    assert value == int(literal)


@pytest.mark.parametrize("literal", [str(-(2**63) - 1), str(2**64)])
def test_integers_beyond_64_bits_are_kept_as_their_literal(literal: str) -> None:
    document = ExactDocument(literal)
    assert document.integer_literal(document.value) == literal
