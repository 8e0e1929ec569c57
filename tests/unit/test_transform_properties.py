"""Properties of the transform over generated batches and settings (hypothesis).

A plain reference model of docs/contract.md#connection-settings says what each output should be;
the properties check the transform against it and against the record rules
(docs/contract.md#records).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import event as label
from hypothesis import strategies as st

from core.sqs_event import SqsMessage
from core.transform import BatchTransform, Rejected, Transformed
from tests.support.transforming import MESSAGE_ID, dedup_stem, headers, make_settings

KNOWN_TYPES = ["custom_event", "commerce_event", "screen_view", "session_start", "session_end",
               "network_performance", "user_attribute_change", "user_identity_change"]  # fmt: skip
DROPPABLE = {
    "network_performance": "send_network_performance_events",
    "user_attribute_change": "include_user_attribute_change_events",
    "user_identity_change": "include_user_identity_change_events",
}
METADATA = ("application_info", "device_info", "source_info")
RESERVED = {"events", "event_type", "data", "location", "device", "ip", "mp_deviceid", "context",
            "unique_id", "mpid", "batch_id", *METADATA}  # fmt: skip

int64 = st.integers(-(2**63), 2**63 - 1)
text = st.text(st.characters(codec="utf-8"), max_size=12)
names = st.from_regex(r"x_[a-z0-9_]{1,8}", fullmatch=True)
scalars = (
    st.none() | st.booleans() | int64 | st.floats(allow_nan=False, allow_infinity=False) | text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=6,
)
unknown_fields = st.dictionaries(names, json_values, max_size=3)
locations = st.fixed_dictionaries(
    {"latitude": st.floats(-90, 90), "longitude": st.floats(-180, 180)}
)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"event_id": draw(int64), **draw(unknown_fields)}
    data["x_padding"] = "p" * draw(st.integers(0, 700))  # reaches the size limit now and then
    if draw(st.booleans()):
        data["location"] = draw(locations)
    event_type = draw(st.sampled_from([*KNOWN_TYPES, "loyalty_points_awarded"]) | text)
    return {"event_type": event_type, "data": data, **draw(unknown_fields)}


@st.composite
def batches(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = dict(draw(unknown_fields))
    if draw(st.integers(0, 5)):  # mostly a list of events; sometimes null or absent
        fields["events"] = draw(st.lists(events(), max_size=8))
    elif draw(st.booleans()):
        fields["events"] = None
    optional = {
        "device_info": st.fixed_dictionaries({"platform": text}, optional={"device": text}),
        "application_info": st.fixed_dictionaries({"application_name": text}),
        "source_info": st.fixed_dictionaries({"channel": text}),
        "ip": text,
        "mp_deviceid": text,
        "context": st.fixed_dictionaries(
            {}, optional={"location": locations, "data_plan": st.just({"plan_id": "p"})}
        ),
        "unique_id": text,
        "mpid": int64 | int64.map(str) | st.none(),
        "batch_id": int64,
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            fields[name] = draw(strategy)
    order = draw(st.permutations(list(fields)))
    return {name: fields[name] for name in order}


connection_settings = st.fixed_dictionaries(
    {
        "unique_id": st.none() | st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
        "metadata_field_exclusion": st.sets(st.sampled_from(["device_name", "ip_address"])).map(
            sorted
        ),
        "send_network_performance_events": st.booleans(),
        "send_as_batch": st.booleans(),
        "include_location_information": st.booleans(),
        "include_metadata": st.booleans(),
        "include_user_attribute_change_events": st.booleans(),
        "include_user_identity_change_events": st.booleans(),
        "send_batches_without_events": st.booleans(),
        "include_mp_deviceid": st.booleans(),
        "include_event_batch_location": st.booleans(),
        "kafka_max_message_bytes": st.integers(1024, 6000),
    }
)


def reference(batch: dict[str, Any], options: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The outgoing batch and its kept events, by the words of the connection settings' contract."""
    out = copy.deepcopy(batch)
    if not options["include_metadata"]:
        for name in METADATA:
            out.pop(name, None)
    if "device_name" in options["metadata_field_exclusion"] and isinstance(
        out.get("device_info"), dict
    ):
        out["device_info"].pop("device", None)
    if "ip_address" in options["metadata_field_exclusion"]:
        out.pop("ip", None)
    if not options["include_mp_deviceid"]:
        out.pop("mp_deviceid", None)
    context = out.get("context")
    if (
        not options["include_event_batch_location"]
        and isinstance(context, dict)
        and "location" in context
    ):
        del context["location"]
        if not context:
            del out["context"]
    if options["unique_id"] is not None:
        out["unique_id"] = options["unique_id"]
    if not out.get("events"):
        return out, []
    kept = [
        e
        for e in out["events"]
        if e["event_type"] not in DROPPABLE or options[DROPPABLE[e["event_type"]]]
    ]
    if not options["include_location_information"]:
        for kept_event in kept:
            kept_event["data"].pop("location", None)
    out["events"] = kept
    return out, kept


def run(batch: dict[str, Any], options: dict[str, Any]) -> Transformed | Rejected:
    transform = BatchTransform.from_settings(make_settings(**options))
    return transform.apply(SqsMessage(MESSAGE_ID, json.dumps(batch)))


def outputs(result: Transformed) -> list[dict[str, Any]]:
    return [json.loads(record.value) for record in result.records]


def with_events(batch: dict[str, Any], events: list[Any]) -> dict[str, Any]:
    return {name: (events if name == "events" else value) for name, value in batch.items()}


def smallest_possible_record(expected: dict[str, Any], kept: list[Any]) -> int:
    candidates = [with_events(expected, [e]) for e in kept] or [expected]
    return max(
        len(json.dumps(c, separators=(",", ":"), ensure_ascii=False).encode()) for c in candidates
    )


property_settings = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@property_settings
@given(batches(), connection_settings)
def test_output_is_what_the_reference_model_says(
    batch: dict[str, Any], options: dict[str, Any]
) -> None:
    expected, kept = reference(batch, options)
    result = run(batch, options)
    if isinstance(result, Rejected):
        label("rejected: oversize")
        assert result.reason == "oversize"
        assert smallest_possible_record(expected, kept) > options["kafka_max_message_bytes"]
        return
    got = outputs(result)
    if not kept:
        assert got == ([expected] if options["send_batches_without_events"] else [])
    elif not options["send_as_batch"]:
        assert got == [with_events(expected, [e]) for e in kept]
    else:
        label(f"batch mode: {'split' if len(got) > 1 else 'one record'}")
        assert [e for value in got for e in value["events"]] == kept
        assert all(with_events(value, kept) == expected for value in got)


@property_settings
@given(batches(), connection_settings)
def test_nothing_a_setting_removes_survives(batch: dict[str, Any], options: dict[str, Any]) -> None:
    result = run(batch, options)
    if isinstance(result, Rejected):
        return
    for value in outputs(result):
        if not options["include_metadata"]:
            assert not set(METADATA) & set(value)
        if "device_name" in options["metadata_field_exclusion"] and isinstance(
            value.get("device_info"), dict
        ):
            assert "device" not in value["device_info"]
        if "ip_address" in options["metadata_field_exclusion"]:
            assert "ip" not in value
        if not options["include_mp_deviceid"]:
            assert "mp_deviceid" not in value
        if not options["include_event_batch_location"]:
            assert "location" not in value.get("context", {})
        for event in value.get("events") or []:
            assert event["event_type"] not in DROPPABLE or options[DROPPABLE[event["event_type"]]]
            if not options["include_location_information"]:
                assert "location" not in event["data"]


@property_settings
@given(batches(), connection_settings.map(lambda o: {**o, "send_as_batch": False}))
def test_per_event_records_correspond_one_to_one_to_kept_events(
    batch: dict[str, Any], options: dict[str, Any]
) -> None:
    _, kept = reference(batch, options)
    result = run(batch, options)
    if isinstance(result, Rejected) or not kept:
        return
    assert [value["events"] for value in outputs(result)] == [[e] for e in kept]
    assert [headers(r)["x-mp-event-type"] for r in result.records] == [
        e["event_type"] for e in kept
    ]


@property_settings
@given(batches(), connection_settings)
def test_unknown_fields_and_int64_digits_survive(
    batch: dict[str, Any], options: dict[str, Any]
) -> None:
    _, kept = reference(batch, options)
    result = run(batch, options)
    if isinstance(result, Rejected):
        return
    text_out = b"".join(r.value for r in result.records).decode()
    for event in kept:
        assert f'"event_id":{event["data"]["event_id"]}' in text_out
    for value in outputs(result):
        for name in value.keys() - RESERVED:
            assert value[name] == batch[name]


@property_settings
@given(batches(), connection_settings)
def test_every_record_is_within_the_size_limit(
    batch: dict[str, Any], options: dict[str, Any]
) -> None:
    result = run(batch, options)
    if isinstance(result, Transformed):
        assert all(len(r.value) <= options["kafka_max_message_bytes"] for r in result.records)


@property_settings
@given(batches(), connection_settings)
def test_dedup_ids_of_one_message_count_from_zero(
    batch: dict[str, Any], options: dict[str, Any]
) -> None:
    result = run(batch, options)
    if isinstance(result, Transformed):
        ids = [headers(r)["x-forwarder-dedup-id"] for r in result.records]
        stem = dedup_stem(json.dumps(batch))
        assert ids == [f"{stem}:{n}" for n in range(len(ids))]


@property_settings
@given(batches(), connection_settings)
def test_key_is_the_mpid_of_the_batch(batch: dict[str, Any], options: dict[str, Any]) -> None:
    result = run(batch, options)
    if isinstance(result, Transformed):
        mpid = batch.get("mpid")
        key = None if mpid is None else str(int(mpid)).encode()
        assert all(r.key == key for r in result.records)
