"""Helpers for the transform tests: settings from keywords, a batch in, records and values out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.kafka_records import KafkaRecord, body_digest
from core.settings import Settings, load_settings
from core.sqs_event import SqsMessage
from core.transform import BatchTransform, Rejected, Transformed

MESSAGE_ID = "5d1e7a3c-0b9f-4c2e-8a61-3f4b2c1d0e9a"


def make_settings(**values: Any) -> Settings:
    """Settings as the CLI reads them (lower-case keys); topic `events` unless given."""
    return load_settings("preview", {"kafka_topic": "events", **values})


def body_of(batch: dict[str, Any] | str) -> str:
    return batch if isinstance(batch, str) else json.dumps(batch)


def dedup_stem(batch: dict[str, Any] | str) -> str:
    """The stem of the dedup ids of the records `batch` makes (its body's digest)."""
    return body_digest(body_of(batch))


def apply(batch: dict[str, Any] | str, **settings: Any) -> Transformed | Rejected:
    return BatchTransform.from_settings(make_settings(**settings)).apply(
        SqsMessage(MESSAGE_ID, body_of(batch))
    )


def transformed(batch: dict[str, Any] | str, **settings: Any) -> Transformed:
    result = apply(batch, **settings)
    assert isinstance(result, Transformed), result
    return result


def records(batch: dict[str, Any] | str, **settings: Any) -> tuple[KafkaRecord, ...]:
    """Every record the batch makes, built."""
    return tuple(transformed(batch, **settings).records)


def values(batch: dict[str, Any] | str, **settings: Any) -> list[dict[str, Any]]:
    """Record values parsed with the standard library, which keeps every integer digit."""
    return [json.loads(record.value) for record in records(batch, **settings)]


def value(batch: dict[str, Any] | str, **settings: Any) -> dict[str, Any]:
    (only,) = values(batch, **settings)
    return only


def rejected(batch: dict[str, Any] | str, **settings: Any) -> Rejected:
    result = apply(batch, **settings)
    assert isinstance(result, Rejected), result
    return result


def headers(record: KafkaRecord) -> dict[str, str]:
    return {name: raw.decode() for name, raw in record.headers}


def event(event_type: str = "custom_event", **data: Any) -> dict[str, Any]:
    return {"event_type": event_type, "data": {"event_id": -7362012998154020571, **data}}


def clear_settings_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No variable of the settings model leaks in from the machine running the tests."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)
