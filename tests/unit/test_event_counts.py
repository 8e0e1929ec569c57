"""Events by type (docs/operations.md#metrics): what the transform counts for the per-type
metrics, with the dimension bounded to mParticle's event types and `other`."""

from __future__ import annotations

from typing import Any

import pytest

from core.event_types import EVENT_TYPES, OTHER, bounded, count_by_type
from tests.support.transforming import transformed


def batch(*event_types: str) -> dict[str, Any]:
    return {
        "mpid": 1,
        "events": [{"event_type": t, "data": {"n": n}} for n, t in enumerate(event_types)],
    }


def test_mparticles_event_types_are_counted_under_their_names() -> None:
    assert count_by_type(["screen_view", "commerce_event", "screen_view"]) == {
        "screen_view": 2,
        "commerce_event": 1,
    }


def test_any_other_event_type_is_counted_as_other() -> None:
    assert count_by_type(["custom_event", "my_event", "Screen_View", ""]) == {
        "custom_event": 1,
        OTHER: 3,
    }


def test_bounded_counts_never_name_a_type_outside_the_set() -> None:
    counts = bounded({f"type-{n}": 1 for n in range(100)} | {"crash_report": 2})
    assert set(counts) <= EVENT_TYPES | {OTHER}
    assert counts == {OTHER: 100, "crash_report": 2}


def test_a_batch_record_counts_every_event_it_holds_by_type() -> None:
    result = transformed(batch("custom_event", "screen_view", "custom_event", "mystery"))
    assert result.forwarded == {"custom_event": 2, "screen_view": 1, OTHER: 1}


def test_per_event_records_count_the_same_as_one_batch_record() -> None:
    events = batch("commerce_event", "screen_view", "commerce_event")
    per_event = transformed(events, send_as_batch=False)
    assert (
        per_event.forwarded
        == transformed(events).forwarded
        == {
            "commerce_event": 2,
            "screen_view": 1,
        }
    )


def test_a_split_batch_counts_each_event_once() -> None:
    events = batch(*["screen_view"] * 40)
    result = transformed(events, kafka_max_message_bytes=1024)
    assert len(result.records) > 1
    assert result.forwarded == {"screen_view": 40}


def test_events_the_settings_drop_are_counted_by_type_and_not_forwarded() -> None:
    result = transformed(batch("custom_event", "network_performance", "user_attribute_change"),
                         send_network_performance_events=False)  # fmt: skip
    assert result.forwarded == {"custom_event": 1}
    assert result.dropped_events == {"network_performance": 1, "user_attribute_change": 1}


def test_a_dropped_eventless_batch_is_no_event_type() -> None:
    result = transformed(batch("user_identity_change"), send_batches_without_events=False)
    assert result.records == ()
    assert result.forwarded == {}
    assert result.dropped_events == {"user_identity_change": 1}
    assert result.dropped == {"user_identity_change": 1, "eventless_batch": 1}


def test_a_batch_without_events_forwards_no_event() -> None:
    result = transformed({"mpid": 1, "events": []})
    assert len(result.records) == 1
    assert result.forwarded == {}


@pytest.mark.parametrize("distinct", [8, 9, 2_000])
def test_a_batch_of_many_distinct_types_counts_each_event_once(distinct: int) -> None:
    names = sorted(EVENT_TYPES)[:3] + [f"custom-{n}" for n in range(distinct - 3)]
    counts = count_by_type(names * 2)
    assert sum(counts.values()) == 2 * distinct
    assert counts[OTHER] == 2 * (distinct - 3)
