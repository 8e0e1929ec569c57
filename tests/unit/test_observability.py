"""The Lambda side's observability set-up, and the Powertools behaviour it relies on."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from handlers.observability import (
    QUIET_LIBRARIES,
    log_json,
    logger,
    quiet_libraries,
    tracing_enabled,
)


@pytest.fixture
def in_lambda(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("POWERTOOLS_TRACE_DISABLED", "AWS_SAM_LOCAL", "AWS_CHALICE_CLI_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    return monkeypatch


def test_tracing_is_on_in_lambda_by_default(in_lambda: pytest.MonkeyPatch) -> None:
    assert tracing_enabled() is True


def test_tracing_is_off_when_powertools_trace_disabled_is_true(
    in_lambda: pytest.MonkeyPatch,
) -> None:
    in_lambda.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    assert tracing_enabled() is False


def test_tracing_is_off_outside_lambda(in_lambda: pytest.MonkeyPatch) -> None:
    in_lambda.delenv("LAMBDA_TASK_ROOT")
    assert tracing_enabled() is False


def test_tracing_is_off_under_sam_local(in_lambda: pytest.MonkeyPatch) -> None:
    in_lambda.setenv("AWS_SAM_LOCAL", "true")
    assert tracing_enabled() is False


@pytest.mark.parametrize("library", QUIET_LIBRARIES)
def test_libraries_that_may_log_payloads_stay_at_warning_under_debug(library: str) -> None:
    logging.getLogger(library).setLevel(logging.DEBUG)
    quiet_libraries()
    assert logging.getLogger(library).getEffectiveLevel() == logging.WARNING


@pytest.mark.parametrize("library", QUIET_LIBRARIES)
def test_library_log_lines_are_powertools_json(library: str) -> None:
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    # Swapped, not setStream(): that flushes the previous stream, which a runner that reuses the
    # process (mutmut) may have closed.
    previous, handler.stream = handler.stream, stream
    try:
        logging.getLogger(f"{library}.module").warning("broker %s unreachable", "b-1:9096")
    finally:
        handler.stream = previous

    [line] = stream.getvalue().splitlines()
    emitted = json.loads(line)
    assert emitted["message"] == "broker b-1:9096 unreachable"
    assert (emitted["level"], emitted["name"]) == ("WARNING", f"{library}.module")
    assert emitted["service"] == logger.service


@pytest.mark.parametrize("library", QUIET_LIBRARIES)
def test_library_log_lines_do_not_reach_the_root_logger_a_second_time(library: str) -> None:
    assert logging.getLogger(library).propagate is False


def test_log_lines_are_compact_json_with_unknown_values_written_as_str() -> None:
    line = log_json({"message": "invocation done", "produce_ms": 1.5, "path": Path("/x")})
    assert line == '{"message":"invocation done","produce_ms":1.5,"path":"/x"}'


def test_log_lines_keep_non_ascii_text_as_it_is() -> None:
    assert log_json({"topic": "événements"}) == '{"topic":"événements"}'


def test_an_entry_orjson_refuses_is_still_logged_through_the_standard_encoder() -> None:
    entry = {"message": "bad \ud800 text", "count": 2**70}
    assert json.loads(log_json(entry)) == entry


def test_the_lambda_logger_writes_its_lines_with_log_json() -> None:
    formatter = logger.registered_formatter
    assert isinstance(formatter, LambdaPowertoolsFormatter)
    assert formatter.json_serializer is log_json


@pytest.mark.parametrize(
    ("message", "written"),
    [("invocation done", "invocation done"), ('{"a": [1, 2]}', {"a": [1, 2]}), ("{oops", "{oops")],
)
def test_a_message_is_written_as_text_unless_it_is_json_as_with_powertools_default(
    message: str, written: object
) -> None:
    record = logging.LogRecord("forwarder", logging.INFO, __file__, 1, message, None, None)
    assert json.loads(logger.registered_formatter.format(record))["message"] == written
