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
from tests.support.reliability.harness import size

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_MEMORY_MB = 512  # the template's default MemorySize
# The template's default timeout in the full run; make test's short run may share a loaded
# machine, so it proves the memory bound with time to spare (850 MiB through TLS takes ~10 s idle).
FUNCTION_TIMEOUT_S = size(short=300, full=60)


def test_an_amplified_message_is_delivered_within_a_512_mb_function(
    deploy: Callable[..., Deployment],
) -> None:
    deployment = deploy("SCRAM-SHA-512", SEND_AS_BATCH="false")
    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.support.reliability.memory_worker",
            str(FUNCTION_MEMORY_MB),
            str(FUNCTION_TIMEOUT_S),
        ],
        env=os.environ | {"MALLOC_ARENA_MAX": "2"},  # Lambda's glibc setting: fewer arenas
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=FUNCTION_TIMEOUT_S + 60,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert json.loads(worker.stdout.strip().splitlines()[-1]) == {"batchItemFailures": []}
    assert topic_record_count(deployment.stack, deployment.topic) == AMPLIFIED_EVENTS
    assert deployment.invalid_messages() == []
