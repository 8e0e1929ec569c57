"""The Lambda entry point with in-memory ports: response, logs and metrics of an invocation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from core.deadline import time_budget_s
from core.delivery import Forwarder
from core.settings import load_settings
from core.transform import BatchTransform
from handlers import container, lambda_handler
from handlers.lambda_handler import handler
from handlers.local.context import LocalContext, local_sqs_event
from handlers.observability import logger
from tests.support.fakes import ALICE, FakeDeadLetters, FakeProducers, FakeSecrets
from tests.support.transforming import records

CANARY_EMAIL = "canary.person@example.com"
GOOD = json.dumps({
    "mpid": 7,
    "user_identities": [{"identity_type": "email", "identity": CANARY_EMAIL}],
    "events": [
        {"event_type": "custom_event", "data": {"event_name": "a"}},
        {"event_type": "user_attribute_change", "data": {}},
    ],
})  # fmt: skip


def sqs_event(*bodies: str) -> dict[str, Any]:
    return local_sqs_event(bodies, "id")


@pytest.fixture
def sink() -> Iterator[FakeDeadLetters]:
    dead_letters = FakeDeadLetters()
    settings = load_settings("preview", {"kafka_topic": "events"})
    fakes = Forwarder(
        BatchTransform.from_settings(settings), FakeProducers(), dead_letters, FakeSecrets([ALICE])
    )
    with container.override(forwarder=fakes):  # the container's forwarder, built from fakes
        yield dead_letters


def emitted(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def log_lines(caplog: pytest.LogCaptureFixture) -> str:
    """The JSON lines the handler's Powertools logger wrote, formatted as it formats them."""
    return "\n".join(logger.registered_handler.format(record) for record in caplog.records)


def test_the_response_lists_only_messages_to_retry(sink: FakeDeadLetters) -> None:
    assert handler(sqs_event(GOOD, "{oops"), LocalContext()) == {"batchItemFailures": []}
    assert [letter.message_id for letter in sink.letters] == ["id-1"]


def test_a_dead_lettered_message_is_logged_by_id_and_reason_without_its_body(
    sink: FakeDeadLetters, caplog: pytest.LogCaptureFixture
) -> None:
    handler(sqs_event('{"mpid": true, "email": "' + CANARY_EMAIL + '"}'), LocalContext())
    output = log_lines(caplog)
    [line] = [entry for entry in emitted(output) if entry.get("message") == "message dead-lettered"]
    assert (line["message_id"], line["reason"]) == ("id-0", "mpid_not_integer")
    assert CANARY_EMAIL not in output


def test_metrics_count_records_outcomes_and_dropped_events(
    sink: FakeDeadLetters, capfd: pytest.CaptureFixture[str]
) -> None:
    handler(sqs_event(GOOD, GOOD), LocalContext())
    metrics = [entry for entry in emitted(capfd.readouterr().out) if "_aws" in entry]
    merged = {k: v for entry in metrics for k, v in entry.items()}
    assert merged["RecordsProduced"] == [2.0]
    [value] = [record.value for record in records(GOOD)]
    assert merged["BytesProduced"] == [2.0 * len(value)]
    assert merged["MessagesDelivered"] == [2.0]
    assert merged["EventsDropped"] == [2.0]
    assert merged["reason"] == "user_attribute_change"


def per_type(output: str, name: str) -> dict[str, list[float]]:
    """The `name` metrics of the EMF documents that carry an `event_type` dimension."""
    found = {}
    for entry in emitted(output):
        if "_aws" in entry and "event_type" in entry and name in entry:
            [directive] = entry["_aws"]["CloudWatchMetrics"]
            assert "event_type" in directive["Dimensions"][0], directive
            found[entry["event_type"]] = entry[name]
    return found


def test_metrics_count_forwarded_events_per_event_type_each_invocation(
    sink: FakeDeadLetters, capfd: pytest.CaptureFixture[str]
) -> None:
    unknown = json.dumps({"mpid": 1, "events": [{"event_type": "my_own", "data": {}}]})
    handler(sqs_event(GOOD, GOOD, unknown), LocalContext())
    output = capfd.readouterr().out
    assert per_type(output, "EventsForwarded") == {"custom_event": [2.0], "other": [1.0]}


def test_metrics_count_dropped_events_per_event_type(
    sink: FakeDeadLetters, capfd: pytest.CaptureFixture[str]
) -> None:
    handler(sqs_event(GOOD, GOOD), LocalContext())
    assert per_type(capfd.readouterr().out, "EventsDropped") == {"user_attribute_change": [2.0]}


def test_events_of_a_dead_lettered_message_are_not_counted_as_forwarded(
    sink: FakeDeadLetters, capfd: pytest.CaptureFixture[str]
) -> None:
    invalid = json.dumps({"mpid": True, "events": [{"event_type": "custom_event", "data": {}}]})
    handler(sqs_event(invalid), LocalContext())
    assert per_type(capfd.readouterr().out, "EventsForwarded") == {}


def test_the_summary_line_counts_every_outcome(
    sink: FakeDeadLetters, caplog: pytest.LogCaptureFixture
) -> None:
    handler(sqs_event(GOOD, "[]"), LocalContext())
    [summary] = [e for e in emitted(log_lines(caplog)) if e.get("message") == "invocation done"]
    assert (summary["delivered"], summary["invalid"], summary["retried"]) == (1, 1, 0)
    assert summary["ack_waits"] == 1
    assert summary["events_forwarded"] == {"custom_event": 1}
    assert summary["events_dropped"] == {"user_attribute_change": 1}


@pytest.mark.parametrize(("remaining_ms", "budget_s"), [(30_000, 25.0), (5_000, 4.0), (0, 0.0)])
def test_the_wait_keeps_a_margin_before_the_function_timeout(
    remaining_ms: int, budget_s: float
) -> None:
    assert time_budget_s(remaining_ms) == pytest.approx(budget_s)


def test_an_event_that_is_not_an_sqs_batch_fails_the_whole_batch_without_raising(
    sink: FakeDeadLetters, caplog: pytest.LogCaptureFixture
) -> None:
    # Lambda reads an empty item identifier as "the whole batch failed": nothing is deleted.
    response = handler({"Records": [{"body": "no message id"}]}, LocalContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": ""}]}
    assert "event is not an SQS batch" in log_lines(caplog)


def test_an_event_that_is_not_an_sqs_batch_is_counted_as_unreadable(
    sink: FakeDeadLetters, capfd: pytest.CaptureFixture[str]
) -> None:
    handler({"Records": "not a list"}, LocalContext())
    [document] = [entry for entry in emitted(capfd.readouterr().out) if "_aws" in entry]
    assert document["UnreadableEvents"] == [1.0]
    assert "MessagesDelivered" not in document


def test_an_invocation_writes_its_counts_in_one_document_per_invocation(
    sink: FakeDeadLetters, capfd: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        handler(sqs_event(GOOD), LocalContext())
    documents = [entry for entry in emitted(capfd.readouterr().out) if "_aws" in entry]
    assert [d["MessagesDelivered"] for d in documents if "MessagesDelivered" in d] == [[1.0]] * 2


@pytest.mark.parametrize(("ok", "failed"), [(True, [0.0]), (False, [1.0])])
def test_a_check_event_counts_a_failed_check(
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    ok: bool,
    failed: list[float],
) -> None:
    monkeypatch.setattr(lambda_handler, "run_check", lambda: {"ok": ok, "steps": []})
    assert handler({"forwarder": "check"}, LocalContext()) == {"ok": ok, "steps": []}
    [document] = [entry for entry in emitted(capfd.readouterr().out) if "_aws" in entry]
    assert document["DeploymentCheckFailed"] == failed


def test_the_deadline_is_read_after_the_container_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    # A cold start's set-up (imports, settings, TLS) must come out of this invocation's time,
    # not be counted as time still available for the wait.
    waits: list[float] = []

    class SlowColdStart(LocalContext):
        pass

    context = SlowColdStart(timeout_s=10.0)
    settings = load_settings("preview", {"kafka_topic": "events"})
    producers = FakeProducers()
    fakes = Forwarder(
        BatchTransform.from_settings(settings), producers, FakeDeadLetters(), FakeSecrets([ALICE])
    )

    def slow_get(budget_ms: int) -> Forwarder:
        context.started -= 3.0  # the container took 3 s to build
        return fakes

    monkeypatch.setattr(container, "get", slow_get)
    handler(sqs_event(GOOD), context)
    waits.extend(producers.built[0].waits)
    assert waits[0] == pytest.approx(7.0 - min(5.0, 7.0 / 5), abs=0.1)
