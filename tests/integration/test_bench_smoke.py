"""`make bench` still works: every benchmark at tiny sizes on the session's stack (no timings).

kcat is left out, so the test needs nothing beyond the Python environment and the stack.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from bench.run import TARGETS, run, table
from handlers import container
from local_stack import StackInfo


@pytest.fixture
def restored_environment() -> Iterator[None]:
    """The benchmarks deploy through os.environ, as Lambda configures the handler."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    container.reset()


@pytest.fixture
def results(stack: StackInfo, restored_environment: None) -> dict[str, Any]:
    return run(stack, quick=True, with_kcat=False)


def test_a_quick_run_yields_every_key_but_kcat_with_sane_values(results: dict[str, Any]) -> None:
    assert set(TARGETS) - set(results) == {"mb_s_vs_kcat_batch"}
    for key in ("transform_vs_floor", "e2e_vs_raw_producer", "import_vs_boto3"):
        assert 0 < results[key] < 100, key
    assert results["ack_waits_per_invocation"] == 1
    assert results["ack_waits_min"] == 1
    assert results["peak_rss_mb_6mb_invocation"] >= results["rss_after_imports_mb"] > 10
    assert results["records_per_pass"] == 3 * 10 * 10  # invocations x messages x events
    context = results["context"]
    assert context["crc32c_c_active"] is True
    assert context["kafka_broker"]
    assert "import_vs_boto3" in table(results)
