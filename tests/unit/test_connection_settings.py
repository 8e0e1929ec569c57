"""Each connection setting (docs/contract.md#connection-settings), on and off, and its rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.transforming import event, transformed, value, values

LOCATION = {"latitude": 52.52, "longitude": 13.41}


def full_batch() -> dict[str, Any]:
    return {
        "events": [event("custom_event", location=LOCATION, event_name="Tap")],
        "device_info": {"platform": "iOS", "device": "Lena's iPhone", "os_version": "18.1"},
        "application_info": {"application_name": "Shop"},
        "source_info": {"channel": "native"},
        "context": {"data_plan": {"plan_id": "shop"}, "location": LOCATION},
        "mpid": -8205710379248813376,
        "mp_deviceid": "4d2c7b1e-93a0-4f58-b6e2-7c01d9a3f5e8",
        "ip": "203.0.113.47",
    }


def test_unique_id_unset_leaves_the_batch_as_it_came() -> None:
    assert "unique_id" not in value(full_batch())


def test_unique_id_is_appended_when_the_batch_has_none() -> None:
    result = value(full_batch(), unique_id="shop-eu")
    assert list(result)[-1] == "unique_id"
    assert result["unique_id"] == "shop-eu"


def test_unique_id_overwrites_the_batch_unique_id_in_place() -> None:
    result = value({"unique_id": "old", "events": [], "mpid": 1}, unique_id="shop-eu")
    assert list(result.items()) == [("unique_id", "shop-eu"), ("events", []), ("mpid", 1)]


def test_unique_id_unset_keeps_the_batch_unique_id() -> None:
    assert value({"unique_id": "from-batch", "events": []})["unique_id"] == "from-batch"


def test_metadata_field_exclusion_empty_keeps_device_name_and_ip() -> None:
    result = value(full_batch())
    assert result["device_info"]["device"] == "Lena's iPhone"
    assert result["ip"] == "203.0.113.47"


def test_device_name_exclusion_removes_only_device_info_device() -> None:
    result = value(full_batch(), metadata_field_exclusion="device_name")
    assert result["device_info"] == {"platform": "iOS", "os_version": "18.1"}
    assert result["ip"] == "203.0.113.47"


def test_ip_address_exclusion_removes_only_top_level_ip() -> None:
    result = value(full_batch(), metadata_field_exclusion="ip_address")
    assert "ip" not in result
    assert result["device_info"]["device"] == "Lena's iPhone"


def test_both_exclusions_remove_both_fields() -> None:
    result = value(full_batch(), metadata_field_exclusion="device_name,ip_address")
    assert "ip" not in result
    assert "device" not in result["device_info"]


def test_device_name_exclusion_leaves_a_device_info_that_is_not_an_object() -> None:
    batch = {"device_info": "opaque", "events": []}
    assert value(batch, metadata_field_exclusion="device_name") == batch


def test_network_performance_events_are_sent_by_default() -> None:
    batch = {"events": [event("network_performance"), event()]}
    assert value(batch) == batch


def test_network_performance_events_are_dropped_when_off() -> None:
    result = transformed(
        {"events": [event("network_performance"), event()]}, send_network_performance_events=False
    )
    assert json.loads(result.records[0].value)["events"] == [event()]
    assert result.dropped == {"network_performance": 1}


def test_send_as_batch_makes_one_record_per_batch() -> None:
    assert len(transformed({"events": [event(), event(), event()]}).records) == 1


def test_send_as_batch_off_makes_one_record_per_event() -> None:
    events = [event("custom_event"), event("screen_view"), event("commerce_event")]
    result = values({"events": events, "mpid": 7}, send_as_batch=False)
    assert result == [{"events": [one], "mpid": 7} for one in events]


def test_location_information_is_kept_by_default() -> None:
    assert value(full_batch())["events"][0]["data"]["location"] == LOCATION


def test_location_information_off_removes_data_location_from_every_event() -> None:
    batch = {"events": [event(location=LOCATION), event("screen_view", location=LOCATION), event()]}
    result = value(batch, include_location_information=False)
    assert all("location" not in e["data"] for e in result["events"])
    assert len(result["events"]) == 3


def test_location_information_off_keeps_the_batch_location() -> None:
    result = value(
        full_batch(), include_location_information=False, include_event_batch_location=True
    )
    assert result["context"]["location"] == LOCATION


def test_metadata_is_included_by_default() -> None:
    result = value(full_batch())
    assert {"application_info", "device_info", "source_info"} <= set(result)


def test_metadata_off_removes_application_device_and_source_info() -> None:
    result = value(full_batch(), include_metadata=False)
    assert not {"application_info", "device_info", "source_info"} & set(result)
    assert result["ip"] == "203.0.113.47"


@pytest.mark.parametrize(
    ("event_type", "setting"),
    [("user_attribute_change", "include_user_attribute_change_events"),
     ("user_identity_change", "include_user_identity_change_events")],
)  # fmt: skip
def test_user_change_events_are_dropped_by_default(event_type: str, setting: str) -> None:
    result = transformed({"events": [event(event_type), event()]})
    assert json.loads(result.records[0].value)["events"] == [event()]
    assert result.dropped == {event_type: 1}


@pytest.mark.parametrize(
    ("event_type", "setting"),
    [("user_attribute_change", "include_user_attribute_change_events"),
     ("user_identity_change", "include_user_identity_change_events")],
)  # fmt: skip
def test_user_change_events_are_kept_when_included(event_type: str, setting: str) -> None:
    batch = {"events": [event(event_type), event()]}
    assert value(batch, **{setting: True}) == batch


def test_events_are_dropped_by_event_type_alone() -> None:
    lookalike = {"event_type": "custom_event", "data": {"custom_event_type": "network_performance"}}
    batch = {"events": [lookalike]}
    assert value(batch, send_network_performance_events=False) == batch


def test_dropped_counts_add_up_per_reason() -> None:
    events = [event("user_attribute_change")] * 3 + [event("network_performance"), event()]
    result = transformed({"events": events}, send_network_performance_events=False)
    assert result.dropped == {"user_attribute_change": 3, "network_performance": 1}


def test_batch_whose_events_were_all_dropped_is_sent_with_empty_events() -> None:
    batch = {"mpid": 1, "events": [event("user_identity_change")], "environment": "production"}
    assert values(batch) == [{"mpid": 1, "events": [], "environment": "production"}]


@pytest.mark.parametrize("send_as_batch", [True, False])
@pytest.mark.parametrize(
    "batch", [{"mpid": 1}, {"mpid": 1, "events": None}, {"mpid": 1, "events": []}]
)
def test_batch_without_events_is_sent_as_it_came_by_default(
    batch: dict[str, Any], send_as_batch: bool
) -> None:
    assert values(batch, send_as_batch=send_as_batch) == [batch]


@pytest.mark.parametrize("send_as_batch", [True, False])
@pytest.mark.parametrize(
    "batch",
    [{"mpid": 1}, {"events": None}, {"events": []}, {"events": [event("user_attribute_change")]}],
)
def test_batch_without_events_makes_no_record_when_off(
    batch: dict[str, Any], send_as_batch: bool
) -> None:
    result = transformed(batch, send_as_batch=send_as_batch, send_batches_without_events=False)
    assert result.records == ()
    assert result.dropped["eventless_batch"] == 1


def test_batch_with_events_is_sent_when_eventless_batches_are_off() -> None:
    result = transformed({"events": [event()]}, send_batches_without_events=False)
    assert len(result.records) == 1
    assert result.dropped == {}


def test_mp_deviceid_is_removed_by_default() -> None:
    assert "mp_deviceid" not in value(full_batch())


def test_mp_deviceid_is_kept_when_included() -> None:
    assert (
        value(full_batch(), include_mp_deviceid=True)["mp_deviceid"] == full_batch()["mp_deviceid"]
    )


def test_event_batch_location_is_removed_by_default() -> None:
    assert value(full_batch())["context"] == {"data_plan": {"plan_id": "shop"}}


def test_event_batch_location_removal_drops_a_context_left_empty() -> None:
    assert "context" not in value({"context": {"location": LOCATION}, "events": []})


def test_event_batch_location_removal_keeps_a_context_that_came_empty() -> None:
    assert value({"context": {}, "events": []})["context"] == {}


def test_event_batch_location_is_kept_when_included() -> None:
    result = value(full_batch(), include_event_batch_location=True)
    assert result["context"] == full_batch()["context"]


def test_removing_fields_that_are_not_there_is_not_an_error() -> None:
    batch = {"events": [event(), {"event_type": "screen_view"}], "mpid": 3}
    strip_everything = {
        "include_metadata": False,
        "metadata_field_exclusion": "device_name,ip_address",
        "include_location_information": False,
        "include_event_batch_location": False,
        "include_mp_deviceid": False,
    }
    assert value(batch, **strip_everything) == batch


def test_every_setting_at_once_removes_everything_it_names() -> None:
    result = value(
        full_batch(),
        include_metadata=False,
        metadata_field_exclusion="ip_address",
        include_location_information=False,
        unique_id="u",
    )
    assert result == {
        "events": [event("custom_event", event_name="Tap")],
        "context": {"data_plan": {"plan_id": "shop"}},
        "mpid": -8205710379248813376,
        "unique_id": "u",
    }
