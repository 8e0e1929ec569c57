"""Routing by event type (docs/contract.md#routing-by-event-type): per-event records to their
type's topic; a batch split into one record per destination topic, fields in each, order kept."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.errors import SettingsError
from core.settings import load_settings
from tests.support.transforming import headers, records, transformed

pytestmark = pytest.mark.usefixtures("clean_environment")

ROUTES = "commerce_event=commerce-events,screen_view=screen-views"
BATCH: dict[str, Any] = {
    "mpid": 9,
    "batch_id": 12,
    "environment": "production",
    "events": [
        {"event_type": "custom_event", "data": {"n": 0}},
        {"event_type": "screen_view", "data": {"n": 1}},
        {"event_type": "commerce_event", "data": {"n": 2}},
        {"event_type": "screen_view", "data": {"n": 3}},
        {"event_type": "custom_event", "data": {"n": 4}},
    ],
    "user_attributes": {"tier": "gold"},
}


def routed(batch: dict[str, Any] = BATCH, **settings: Any) -> list[tuple[str, dict[str, Any]]]:
    return [
        (record.topic, json.loads(record.value))
        for record in records(batch, kafka_topic_routes=ROUTES, **settings)
    ]


def numbers(value: dict[str, Any]) -> list[int]:
    return [event["data"]["n"] for event in value["events"]]


def test_routes_are_read_as_event_type_to_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_TOPIC_ROUTES", " commerce_event = commerce-events, screen_view=sv,")
    assert load_settings("preview").kafka_topic_routes == {
        "commerce_event": "commerce-events",
        "screen_view": "sv",
    }


def test_an_empty_entry_between_routes_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_TOPIC_ROUTES", "commerce_event=commerce-events,,screen_view=sv")
    assert load_settings("preview").kafka_topic_routes == {
        "commerce_event": "commerce-events",
        "screen_view": "sv",
    }


def test_without_routes_nothing_is_routed() -> None:
    assert load_settings("preview").kafka_topic_routes == {}


@pytest.mark.parametrize(
    "raw",
    ["commerce_event", "=topic", "a=x,a=y", "a=bad topic", "a=..", "a=" + "t" * 250, "a=b=c"],
)
def test_a_bad_mapping_fails_naming_the_variable(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("KAFKA_TOPIC_ROUTES", raw)
    with pytest.raises(SettingsError, match="KAFKA_TOPIC_ROUTES: a comma list of event_type=topic"):
        load_settings("preview")


def settings_error(monkeypatch: pytest.MonkeyPatch, **variables: str) -> str:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings("preview")
    return str(caught.value)


def test_the_topics_are_kafka_topic_then_each_routed_topic_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_TOPIC", "events")
    monkeypatch.setenv("KAFKA_TOPIC_ROUTES", "a=screen-views,b=events,c=commerce,d=screen-views")
    assert load_settings("preview").topics == ("events", "screen-views", "commerce")


def test_with_msk_iam_routes_to_other_topics_need_the_prefix_naming_both_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = settings_error(
        monkeypatch,
        KAFKA_TOPIC="events",
        KAFKA_AUTH_METHOD="AWS_MSK_IAM",
        KAFKA_TOPIC_ROUTES=ROUTES,
    )
    assert "KAFKA_TOPIC_ROUTES routes to commerce-events, screen-views" in message
    assert "KAFKA_ROUTED_TOPIC_PREFIX is unset" in message


def test_with_msk_iam_routes_only_to_kafka_topic_need_no_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "KAFKA_TOPIC": "events",
        "KAFKA_AUTH_METHOD": "AWS_MSK_IAM",
        "KAFKA_TOPIC_ROUTES": "commerce_event=events",
    }.items():
        monkeypatch.setenv(name, value)
    assert load_settings("preview").kafka_routed_topic_prefix is None


def test_without_msk_iam_routes_need_no_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_TOPIC_ROUTES", ROUTES)
    assert load_settings("preview").kafka_topic_routes["commerce_event"] == "commerce-events"


@pytest.mark.parametrize("auth", ["AWS_MSK_IAM", "SCRAM-SHA-512"])
def test_a_routed_topic_outside_the_prefix_fails_naming_both_variables_and_the_topic(
    monkeypatch: pytest.MonkeyPatch, auth: str
) -> None:
    message = settings_error(
        monkeypatch,
        KAFKA_TOPIC="events",
        KAFKA_AUTH_METHOD=auth,
        KAFKA_TOPIC_ROUTES="commerce_event=mp-commerce,screen_view=screen-views",
        KAFKA_ROUTED_TOPIC_PREFIX="mp-",
    )
    assert 'routes to screen-views, outside KAFKA_ROUTED_TOPIC_PREFIX "mp-"' in message
    assert "KAFKA_TOPIC_ROUTES" in message
    assert "mp-commerce" not in message


def test_routed_topics_under_the_prefix_are_accepted_with_msk_iam(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "KAFKA_TOPIC": "events",
        "KAFKA_AUTH_METHOD": "AWS_MSK_IAM",
        "KAFKA_TOPIC_ROUTES": "commerce_event=mp-commerce,screen_view=mp-screen-views",
        "KAFKA_ROUTED_TOPIC_PREFIX": "mp-",
    }.items():
        monkeypatch.setenv(name, value)
    assert load_settings("preview").topics == ("events", "mp-commerce", "mp-screen-views")


@pytest.mark.parametrize("raw", ["mp prefix", "mp/", "p" * 249])
def test_a_prefix_that_cannot_start_a_topic_name_fails_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    message = settings_error(monkeypatch, KAFKA_ROUTED_TOPIC_PREFIX=raw)
    assert "KAFKA_ROUTED_TOPIC_PREFIX: the start of a Kafka topic name" in message


def test_per_event_records_go_to_their_types_topic() -> None:
    topics = [topic for topic, _ in routed(send_as_batch=False)]
    assert topics == ["events", "screen-views", "commerce-events", "screen-views", "events"]


def test_per_event_records_keep_their_dedup_ids_and_event_type_headers() -> None:
    made = records(BATCH, kafka_topic_routes=ROUTES, send_as_batch=False)
    assert [headers(r)["x-forwarder-dedup-id"][-2:] for r in made] == [":0", ":1", ":2", ":3", ":4"]
    assert headers(made[2])["x-mp-event-type"] == "commerce_event"


def test_a_batch_makes_one_record_per_destination_topic_in_order_of_first_use() -> None:
    assert [(topic, numbers(value)) for topic, value in routed()] == [
        ("events", [0, 4]),
        ("screen-views", [1, 3]),
        ("commerce-events", [2]),
    ]


def test_each_routed_batch_record_carries_every_batch_field_in_order() -> None:
    for _, value in routed():
        assert list(value) == ["mpid", "batch_id", "environment", "events", "user_attributes"]
        assert value["user_attributes"] == {"tier": "gold"}


def test_routed_batch_records_have_distinct_dedup_ids_and_the_same_key_and_batch_id() -> None:
    made = records(BATCH, kafka_topic_routes=ROUTES)
    assert len({headers(r)["x-forwarder-dedup-id"] for r in made}) == len(made) == 3
    assert {r.key for r in made} == {b"9"}
    assert {headers(r)["x-mp-batch-id"] for r in made} == {"12"}


def test_a_batch_of_unrouted_events_is_one_record_as_without_routes() -> None:
    batch = {"mpid": 1, "events": [{"event_type": "custom_event", "data": {}}] * 3}
    assert records(batch, kafka_topic_routes=ROUTES) == records(batch)


def test_a_batch_whose_events_all_go_to_one_routed_topic_is_one_record_there() -> None:
    batch = {"mpid": 1, "events": [{"event_type": "screen_view", "data": {"n": n}} for n in (1, 2)]}
    assert [(topic, numbers(value)) for topic, value in routed(batch)] == [("screen-views", [1, 2])]


def test_an_eventless_batch_goes_to_the_default_topic() -> None:
    assert [topic for topic, _ in routed({"mpid": 1, "events": []})] == ["events"]


def test_a_routed_share_over_the_limit_is_split_on_its_own() -> None:
    events = [{"event_type": "screen_view", "data": {"n": n, "pad": "x" * 300}} for n in range(6)]
    batch = {"mpid": 1, "events": [{"event_type": "custom_event", "data": {"n": 99}}, *events]}
    made = routed(batch, kafka_max_message_bytes=1024)
    assert made[0][0] == "events"
    views = [numbers(value) for topic, value in made if topic == "screen-views"]
    assert len(views) > 1
    assert [n for share in views for n in share] == list(range(6))
    assert (
        max(
            len(r.value)
            for r in records(batch, kafka_topic_routes=ROUTES, kafka_max_message_bytes=1024)
        )
        <= 1024
    )


def test_event_counts_do_not_change_with_routing() -> None:
    assert transformed(BATCH, kafka_topic_routes=ROUTES).forwarded == transformed(BATCH).forwarded
