"""The composition root: one forwarder per container, overrides for tests, a reset that closes."""

from __future__ import annotations

from typing import Any

import pytest

from core.credentials import Credentials
from core.deadline import Deadline
from core.delivery import Forwarder
from core.errors import SettingsError
from core.settings import load_settings
from core.sqs_event import SqsMessage
from core.transform import BatchTransform
from handlers import container
from tests.support.fakes import FakeDeadLetters, FakeProducers, FakeSecrets

ALICE = Credentials("alice", "alice-secret")
GOOD = SqsMessage("m-1", '{"mpid": 1, "events": [{"event_type": "custom_event"}]}')


def test_get_builds_once_and_returns_the_same_forwarder_on_warm_invocations() -> None:
    producers = FakeProducers()
    with container.override(
        settings=load_settings("preview", {"kafka_topic": "events"}),
        producers=producers,
        secrets=FakeSecrets([ALICE]),
        dead_letters=FakeDeadLetters(),
    ):
        first = container.get(30_000)
        assert container.get(30_000) is first


def test_build_wires_the_overridden_adapters_into_the_forwarder() -> None:
    producers, sink = FakeProducers(), FakeDeadLetters()
    forwarder = container.build(
        load_settings("preview", {"kafka_topic": "events"}),
        30_000,
        producers=producers,
        secrets=FakeSecrets([ALICE]),
        dead_letters=sink,
    )
    report = forwarder.forward([GOOD, SqsMessage("m-2", "not json")], Deadline.in_seconds(10.0))
    assert [r.topic for r in producers.built[0].sent] == ["events"]
    assert producers.built[0].credentials == ALICE
    assert [letter.message_id for letter in sink.letters] == ["m-2"]
    assert report.response() == {"batchItemFailures": []}


def test_override_with_a_forwarder_serves_it_as_is() -> None:
    settings = load_settings("preview", {"kafka_topic": "events"})
    fakes = Forwarder(BatchTransform.from_settings(settings), FakeProducers(), FakeDeadLetters())
    with container.override(forwarder=fakes):
        assert container.get(30_000) is fakes


def test_reset_closes_the_forwarder_and_the_next_get_builds_a_new_one() -> None:
    producers = FakeProducers()
    with container.override(
        settings=load_settings("preview", {"kafka_topic": "events"}),
        producers=producers,
        secrets=FakeSecrets([ALICE]),
        dead_letters=FakeDeadLetters(),
    ):
        first = container.get(30_000)
        first.forward([GOOD], Deadline.in_seconds(10.0))
        container.reset()
        assert producers.built[0].closed
        assert container.get(30_000) is not first


def test_leaving_an_override_restores_the_one_around_it() -> None:
    settings = load_settings("preview", {"kafka_topic": "events"})
    outer = Forwarder(BatchTransform.from_settings(settings), FakeProducers(), FakeDeadLetters())
    inner = Forwarder(BatchTransform.from_settings(settings), FakeProducers(), FakeDeadLetters())
    with container.override(forwarder=outer):
        with container.override(forwarder=inner):
            assert container.get(30_000) is inner
        assert container.get(30_000) is outer


def test_without_overrides_a_bad_setting_fails_the_cold_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "localhost:9093")
    monkeypatch.setenv("KAFKA_TOPIC", "events")
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", "http://localhost:4566/123456789012/q")
    monkeypatch.setenv("KAFKA_AUTH_METHOD", "KERBEROS")
    container.reset()
    with pytest.raises(SettingsError, match="KAFKA_AUTH_METHOD"):
        container.get(30_000)


def test_cold_start_warns_about_a_misspelt_variable_naming_it_never_its_value(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "localhost:9093")
    monkeypatch.setenv("KAFKA_TOPIC", "events")
    monkeypatch.setenv("KAFKA_AUTH_METHOD", "NONE")
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", "http://localhost:4566/123456789012/q")
    monkeypatch.setenv("SEND_AS_BATCHES", "value-canary")
    with container.override(
        producers=FakeProducers(), secrets=FakeSecrets([ALICE]), dead_letters=FakeDeadLetters()
    ):
        container.get(30_000)
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "SEND_AS_BATCHES" in warning
    assert "SEND_AS_BATCH?" in warning
    assert "value-canary" not in caplog.text


class SqsClients:
    """`container._sqs_client` replaced: the (connect, read, attempts) of each client it made;
    each client accepts every SendMessageBatch."""

    def __init__(self) -> None:
        self.made: list[tuple[float, float, int]] = []

    def __call__(self, connect_s: float, read_s: float, attempts: int) -> Any:
        self.made.append((connect_s, read_s, attempts))
        return self

    def send_message_batch(self, QueueUrl: str, Entries: list[Any]) -> dict[str, Any]:  # noqa: N803
        return {"Successful": [{"Id": entry["Id"]} for entry in Entries], "Failed": []}


def _built_with_real_sqs_adapters(monkeypatch: pytest.MonkeyPatch) -> tuple[Forwarder, SqsClients]:
    clients = SqsClients()
    monkeypatch.setattr(container, "_sqs_client", clients)
    settings = load_settings(
        "lambda",
        {
            "kafka_bootstrap_servers": "localhost:9093",
            "kafka_topic": "events",
            "kafka_auth_method": "NONE",
            "dead_letter_queue_url": "http://localhost:4566/123456789012/q",
        },
    )
    forwarder = container.build(
        settings, 30_000, producers=FakeProducers(), secrets=FakeSecrets([ALICE])
    )
    return forwarder, clients


def test_a_cold_start_that_sends_no_dead_letter_makes_no_sqs_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forwarder, clients = _built_with_real_sqs_adapters(monkeypatch)

    report = forwarder.forward([GOOD], Deadline.in_seconds(10.0))

    assert report.response() == {"batchItemFailures": []}
    assert clients.made == []


def test_the_first_dead_letter_makes_the_sqs_client_with_the_letter_timeouts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forwarder, clients = _built_with_real_sqs_adapters(monkeypatch)

    report = forwarder.forward([SqsMessage("m-2", "not json")], Deadline.in_seconds(10.0))

    assert report.response() == {"batchItemFailures": []}
    assert clients.made == [(1, 2, 2)]
