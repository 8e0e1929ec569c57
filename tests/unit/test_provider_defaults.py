"""Provider-safe producer bounds (docs/providers.md): the values that let one configuration work
with Apache Kafka, Amazon MSK, Confluent Cloud, Redpanda and Azure Event Hubs, pinned."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.kafka_producer import Timeouts, producer_config
from core.credentials import Credentials
from core.settings import load_settings

LAMBDA = {
    "kafka_bootstrap_servers": "b1:9093",
    "kafka_topic": "events",
    "kafka_secret_id": "s",
    "dead_letter_queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
}
EVENT_HUBS_MAX_REQUEST_BYTES = 1_046_528
EVENT_HUBS_IDLE_CUTOFF_MS = 240_000
EVENT_HUBS_REQUEST_TIMEOUT_FLOOR_MS = 20_000


def config(**overrides: Any) -> dict[str, Any]:
    settings = load_settings("lambda", LAMBDA | overrides)
    return producer_config(settings, Credentials("u", "p"), Timeouts.within(60_000))


def test_the_default_request_size_leaves_4_kib_of_event_hubs_limit_for_request_framing() -> None:
    assert config()["max_request_size"] == EVENT_HUBS_MAX_REQUEST_BYTES - 4096 == 1_042_432


def test_a_smaller_record_limit_keeps_the_provider_safe_request_size() -> None:
    assert config(kafka_max_message_bytes=500_000)["max_request_size"] == 1_042_432


def test_a_record_limit_above_the_default_raises_the_request_size_with_it() -> None:
    assert config(kafka_max_message_bytes=2_000_000)["max_request_size"] == 2_042_432


def test_idle_connections_are_closed_at_180_s_before_event_hubs_cuts_them_at_240_s() -> None:
    assert config()["connections_max_idle_ms"] == 180_000 < EVENT_HUBS_IDLE_CUTOFF_MS


def test_metadata_is_refreshed_at_least_every_180_s() -> None:
    assert config()["metadata_max_age_ms"] == 180_000 < EVENT_HUBS_IDLE_CUTOFF_MS


@pytest.mark.parametrize(
    ("function_timeout_s", "request_timeout_ms"),
    [(10, 5_000), (15, 10_000), (20, 15_000), (30, 20_000), (45, 22_500), (60, 30_000)],
)
def test_request_timeouts_for_the_templates_function_timeouts(
    function_timeout_s: int, request_timeout_ms: int
) -> None:
    assert Timeouts.within(function_timeout_s * 1000).request_timeout_ms == request_timeout_ms


@pytest.mark.parametrize("budget_ms", [25_000, 30_000, 60_000, 900_000])
def test_request_timeouts_reach_event_hubs_floor_when_the_function_leaves_5_s_after_it(
    budget_ms: int,
) -> None:
    assert Timeouts.within(budget_ms).request_timeout_ms >= EVENT_HUBS_REQUEST_TIMEOUT_FLOOR_MS


def test_request_timeouts_never_exceed_30_s() -> None:
    assert Timeouts.within(900_000).request_timeout_ms == 30_000
