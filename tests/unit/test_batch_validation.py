"""Input validation (docs/contract.md#reason-codes): exactly the listed inputs are invalid."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.transforming import event, rejected, transformed, value, values

INVALID = [
    ("", "not_json"),
    ("{", "not_json"),
    ('{"events": [], }', "not_json"),
    ("{'events': []}", "not_json"),
    ('{"events": [], "score": NaN}', "not_json"),
    ('{"events": [], "score": Infinity}', "not_json"),
    ('{"events": [], "score": -Infinity}', "not_json"),
    ('{"a": 1} {"b": 2}', "not_json"),
    ("[]", "not_object"),
    ('"batch"', "not_object"),
    ("42", "not_object"),
    ("null", "not_object"),
    ('{"events": {}}', "events_not_list"),
    ('{"events": "custom_event"}', "events_not_list"),
    ('{"events": 0}', "events_not_list"),
    ('{"events": false}', "events_not_list"),
    ('{"events": [null]}', "event_not_object"),
    ('{"events": ["custom_event"]}', "event_not_object"),
    ('{"events": [[{"event_type": "custom_event"}]]}', "event_not_object"),
    ('{"events": [{"event_type": "custom_event"}, 3]}', "event_not_object"),
    ('{"events": [{"data": {}}]}', "event_type_not_string"),
    ('{"events": [{"event_type": null}]}', "event_type_not_string"),
    ('{"events": [{"event_type": 5}]}', "event_type_not_string"),
    ('{"events": [{"event_type": ["custom_event"]}]}', "event_type_not_string"),
    ('{"mpid": 1.5}', "mpid_not_integer"),
    ('{"mpid": 1.0}', "mpid_not_integer"),
    ('{"mpid": true}', "mpid_not_integer"),
    ('{"mpid": false}', "mpid_not_integer"),
    ('{"mpid": "abc"}', "mpid_not_integer"),
    ('{"mpid": ""}', "mpid_not_integer"),
    ('{"mpid": "+12"}', "mpid_not_integer"),
    ('{"mpid": " 12"}', "mpid_not_integer"),
    ('{"mpid": "12\\n"}', "mpid_not_integer"),
    ('{"mpid": "1_000"}', "mpid_not_integer"),
    ('{"mpid": "\\u0661\\u0662"}', "mpid_not_integer"),  # Arabic-Indic digits are not [0-9]
    ('{"mpid": {"value": 12}}', "mpid_not_integer"),
    ('{"mpid": [12]}', "mpid_not_integer"),
    ('{"mpid": 1e400}', "mpid_not_integer"),
    ('\ufeff\ufeff{"events": []}', "not_json"),  # one byte order mark is dropped, not two
    ('{"events": []}\ufeff', "not_json"),
]


@pytest.mark.parametrize(("body", "reason"), INVALID)
def test_each_invalid_input_of_section_4_is_rejected_with_its_reason(
    body: str, reason: str
) -> None:
    assert rejected(body).reason == reason


@pytest.mark.parametrize(("body", "reason"), INVALID)
def test_invalid_batch_is_rejected_as_invalid_batch(body: str, reason: str) -> None:
    assert rejected(body).error_class == "InvalidBatch"


def test_rejection_reason_carries_no_payload_data() -> None:
    secret = "lena.vogt@example.org"
    result = rejected({"events": [{"data": {"email": secret}}], "mpid": secret})
    assert secret not in result.reason
    assert result.reason == "event_type_not_string"


def test_mpid_null_is_treated_as_absent() -> None:
    (record,) = transformed({"mpid": None, "events": [event()]}).records
    assert record.key is None


@pytest.mark.parametrize(
    ("mpid", "key"),
    [(-8205710379248813376, b"-8205710379248813376"),
     ("-8205710379248813376", b"-8205710379248813376"),
     (0, b"0"), ("007", b"7"), ("-0", b"0"), (18446744073709551615, b"18446744073709551615")],
)  # fmt: skip
def test_mpid_integer_or_decimal_string_becomes_the_key(mpid: Any, key: bytes) -> None:
    (record,) = transformed({"mpid": mpid, "events": [event()]}).records
    assert record.key == key


def test_mpid_string_is_forwarded_as_it_came() -> None:
    assert value({"mpid": "007", "events": []})["mpid"] == "007"


@pytest.mark.parametrize("batch", [{}, {"events": None}, {"events": []}])
def test_absent_null_or_empty_events_is_a_batch_without_events(batch: dict[str, Any]) -> None:
    assert values({**batch, "mpid": 1}) == [{**batch, "mpid": 1}]


def test_unknown_event_types_are_kept() -> None:
    batch = {"events": [event("loyalty_points_awarded", points=250)]}
    assert value(batch) == batch


def test_unknown_fields_are_forwarded_unchanged() -> None:
    batch = {
        "x_envelope": {"route": "eu", "tags": ["a", None, 3.5, True]},
        "events": [{**event(x_field="kept"), "x_annotation": {"nested": [1, 2]}}],
        "deleted_user_attributes": None,
    }
    assert value(batch) == batch


def test_key_order_is_kept_everywhere() -> None:
    body = '{"z":1,"events":[{"data":{"y":1,"b":2,"a":3},"event_type":"x"}],"a":{"q":1,"c":2}}'
    assert transformed(body).records[0].value == body.encode()


@pytest.mark.parametrize(
    "number",
    ["-9223372036854775808", "9223372036854775807", "18446744073709551615", "-8205710379248813376"],
)
def test_64_bit_integers_keep_every_digit(number: str) -> None:
    body = f'{{"batch_id":{number},"events":[{{"event_type":"x","data":{{"event_id":{number}}}}}]}}'
    assert transformed(body).records[0].value == body.encode()


@pytest.mark.parametrize(
    "number", ["18446744073709551616", "-9223372036854775809", "123456789012345678901234567890"]
)
def test_integers_beyond_64_bits_keep_every_digit(number: str) -> None:
    body = f'{{"events":[{{"event_type":"x","data":{{"counter":{number}}}}}],"total":{number}}}'
    assert transformed(body).records[0].value == body.encode()


def test_integers_beyond_64_bits_keep_every_digit_in_each_per_event_record() -> None:
    body = '{"events":[{"event_type":"x","n":1},{"event_type":"y","n":99999999999999999999999}]}'
    result = values(body, send_as_batch=False)
    assert [v["events"][0]["n"] for v in result] == [1, 99999999999999999999999]


@pytest.mark.parametrize("send_as_batch", [True, False])
def test_big_integer_in_an_event_is_found_behind_a_plus_in_the_batch_fields(
    send_as_batch: bool,
) -> None:
    body = (
        '{"user_attributes":{"$mobile":"+4915112345678"},"events":['
        '{"event_type":"x","n":"a+b"},{"event_type":"y","n":-99999999999999999999}]}'
    )
    result = values(body, send_as_batch=send_as_batch)
    assert [e["n"] for v in result for e in v["events"]] == ["a+b", -99999999999999999999]


def test_big_integer_in_the_batch_fields_keeps_every_digit_in_per_event_records() -> None:
    body = '{"events":[{"event_type":"x"},{"event_type":"y"}],"total":123456789012345678901}'
    result = values(body, send_as_batch=False)
    assert [v["total"] for v in result] == [123456789012345678901] * 2


def test_mpid_beyond_64_bits_is_an_integer_and_keys_with_every_digit() -> None:
    (record,) = transformed('{"mpid":-99999999999999999999,"events":[]}').records
    assert record.key == b"-99999999999999999999"


def test_number_too_large_for_a_double_is_kept_as_written() -> None:
    body = '{"events":[],"huge":1e400,"tiny":-2.5E+999}'
    assert transformed(body).records[0].value == body.encode()


def test_a_string_holding_e_plus_is_forwarded_unchanged() -> None:
    batch = {"events": [event(label="size e+2", price=1e20)], "note": "e+"}
    assert value(batch) == batch


def test_floats_keep_their_value() -> None:
    batch = {"events": [event(latitude=52.5208, tiny=1e-7, price=0.1, big=1.5e300)]}
    assert value(batch) == batch


def test_strings_are_never_changed() -> None:
    text = 'Lena\'s "iPhone" ✓ 日本 \u2028 \\ / \t é'
    batch = {"events": [event(name=text)], "device_info": {"device": text}, text: text}
    assert value(batch) == batch


def test_non_ascii_is_written_as_utf8_not_escaped() -> None:
    (record,) = transformed({"events": [], "city": "Köln"}).records
    assert "Köln".encode() in record.value


def test_outgoing_user_identities_array_passes_through() -> None:
    identities = [
        {"identity_type": "customer_id", "identity": "NP-1", "timestamp_unixtime_ms": 1},
        {"identity_type": "email", "identity": "a@example.org", "created_this_batch": True},
    ]
    assert value({"user_identities": identities, "events": []})["user_identities"] == identities


def test_inbound_user_identities_object_passes_through() -> None:
    identities = {"customer_id": "NP-1", "email": "a@example.org"}
    assert value({"user_identities": identities, "events": []})["user_identities"] == identities


def test_nesting_deeper_than_can_be_written_is_rejected_too_deep() -> None:
    deep = {"events": [event(nested=json.loads("[" * 300 + "]" * 300))]}
    assert rejected(deep).reason == "too_deep"


def test_nesting_deeper_than_can_be_read_is_rejected_too_deep() -> None:
    assert rejected('{"events":[],"x":' + "[" * 5000 + "]" * 5000 + "}").reason == "too_deep"


def test_nesting_deeper_than_the_exact_parser_reads_is_rejected_too_deep() -> None:
    # Deep enough that the standard library's scanner runs out of stack (RecursionError).
    depth = 20_000  # about 10 000 suffice; the body stays well under SQS's 256 KiB
    assert rejected('{"events":[],"x":' + "[" * depth + "]" * depth + "}").reason == "too_deep"


def test_an_event_the_settings_drop_may_be_nested_deeper_than_can_be_written() -> None:
    dropped = event("user_attribute_change", nested=json.loads("[" * 300 + "]" * 300))
    kept = event(price=1.5)
    result = transformed({"events": [dropped, kept]}, send_as_batch=False)
    assert [json.loads(r.value)["events"] for r in result.records] == [[kept]]


def test_nesting_too_deep_in_a_body_read_exactly_is_rejected_too_deep() -> None:
    # 1e400 sends the body to the exact parser; the nesting, not a surrogate, is what fails.
    deep = '{"events":[],"x":1e400,"d":' + "[" * 300 + "]" * 300 + "}"
    assert rejected(deep).reason == "too_deep"


def test_unpaired_surrogate_is_not_json() -> None:
    assert rejected('{"events":[],"name":"\\ud800"}').reason == "not_json"


def test_a_body_holding_an_unpaired_surrogate_character_is_not_json() -> None:
    # Not the escape `\ud800` but the character itself, which only a hand-made event carries.
    assert rejected('{"events":[],"name":"\ud800"}').reason == "not_json"


def test_paired_surrogate_escape_is_a_character() -> None:
    assert value('{"events":[],"name":"\\ud83d\\ude00"}')["name"] == "\U0001f600"


def test_event_data_is_not_validated() -> None:
    batch = {"events": [{"event_type": "custom_event"}, {"event_type": "screen_view", "data": 7}]}
    assert value(batch) == batch


@pytest.mark.parametrize("send_as_batch", [True, False])
def test_a_leading_byte_order_mark_is_dropped_and_the_body_parsed(send_as_batch: bool) -> None:
    body = '\ufeff{"events":[{"event_type":"x","data":{"v":1.10}}],"mpid":7}'
    (record,) = transformed(body, send_as_batch=send_as_batch).records
    assert record.value == body[1:].encode()


def test_a_byte_order_mark_before_a_number_the_exact_parser_keeps_is_dropped() -> None:
    body = '\ufeff{"events":[],"total":1e400}'
    assert transformed(body).records[0].value == b'{"events":[],"total":1e400}'
