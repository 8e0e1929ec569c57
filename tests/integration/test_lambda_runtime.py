"""The built package run as Lambda runs it: the runtime interface emulator (built from its Go
module at the Makefile's pinned version) starts `python3.13 -m awslambdaric` in the package, with
the template's environment pointed at the local stack; every event of `events/` is invoked over
the runtime API. Its response, the records in Kafka and the dead letters are what the contract
says (the same as `forwarder preview` prints for the event)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.deployment import (
    Deployment,
    aws_environment,
    by_dedup_id,
    preview,
    topic_as_preview,
)
from tests.support.events import EVENTS, load_event
from tools.lambda_emulator import Emulator, function_environment, runtime_environment

pytestmark = pytest.mark.integration

EVENT_FILES = sorted(path.name for path in EVENTS.glob("*.json"))


@pytest.fixture
def emulated(
    built_package: Path, tmp_path: Path, deploy: Any
) -> Iterator[tuple[Emulator, Deployment]]:
    deployment: Deployment = deploy("SCRAM-SHA-512")
    aws = {k: v for k, v in aws_environment(deployment.stack).items() if k.startswith("AWS_")}
    env = runtime_environment(built_package, function_environment(deployment.env), aws)
    with Emulator(built_package, env, tmp_path / "emulator.log") as emulator:
        yield emulator, deployment


def _reasons(lines: list[dict[str, Any]]) -> list[str]:
    return sorted(line["reason"] for line in lines if line.get("outcome") == "invalid")


def _dead_letter_reasons(deployment: Deployment) -> list[str]:
    letters = deployment.invalid_messages()
    return sorted(m["MessageAttributes"]["error-reason"]["StringValue"] for m in letters)


@pytest.mark.parametrize("event_file", EVENT_FILES)
def test_event_through_the_runtime_interface_delivers_what_preview_prints(
    emulated: tuple[Emulator, Deployment], event_file: str
) -> None:
    emulator, deployment = emulated

    response = emulator.invoke(load_event(event_file))

    assert response == {"batchItemFailures": []}, emulator.log()
    expected = preview(deployment, event_file)
    assert topic_as_preview(deployment, event_file) == by_dedup_id(expected)
    assert _dead_letter_reasons(deployment) == _reasons(expected)


def test_every_line_the_function_writes_under_the_runtime_is_json_or_the_runtimes_own(
    emulated: tuple[Emulator, Deployment],
) -> None:
    emulator, _ = emulated

    emulator.invoke(load_event("malformed-bodies.json"))

    # START/END/REPORT are the emulator's text lines; in Lambda, with LogFormat JSON, they are
    # platform events in JSON.
    runtime = ("START RequestId:", "END RequestId:", "REPORT RequestId:")
    lines = [line for line in emulator.log().splitlines() if not line.startswith(runtime)]
    assert lines
    assert [line for line in lines if not line.startswith("{")] == []
