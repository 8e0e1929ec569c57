"""Lambda SQS events for the tests: built from bodies, or read from the examples in `events/`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from handlers.local.context import local_sqs_event

EVENTS = Path(__file__).resolve().parents[2] / "events"


def sqs_event(*bodies: str, prefix: str = "msg") -> dict[str, Any]:
    """A Lambda SQS event with one record per body."""
    return local_sqs_event(bodies, prefix)


def load_event(name: str) -> dict[str, Any]:
    """The example event `events/<name>`, as Lambda would pass it to the handler."""
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event
