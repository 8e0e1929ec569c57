"""Memory (docs/reliability.md#memory): a message that expands into 850 MiB of records is
delivered by a handler process capped at a 512 MB function's memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.memory import AMPLIFIED_EVENTS
from local_stack import topic_record_count
from tests.support.deployment import Deployment

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_MEMORY_MB = 512  # the template's default MemorySize


def test_an_amplified_message_is_delivered_within_a_512_mb_function(
    deploy: Callable[..., Deployment],
) -> None:
    deployment = deploy("SCRAM-SHA-512", SEND_AS_BATCH="false")
    worker = subprocess.run(
        [sys.executable, "-m", "tests.support.reliability.memory_worker", str(FUNCTION_MEMORY_MB)],
        env=os.environ | {"MALLOC_ARENA_MAX": "2"},  # Lambda's glibc setting: fewer arenas
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert json.loads(worker.stdout.strip().splitlines()[-1]) == {"batchItemFailures": []}
    assert topic_record_count(deployment.stack, deployment.topic) == AMPLIFIED_EVENTS
    assert deployment.invalid_messages() == []
