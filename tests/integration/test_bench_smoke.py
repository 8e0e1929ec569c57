"""`make bench` still works: every benchmark at tiny sizes on the session's stack (no timings).

It needs the Python environment (confluent-kafka is a dev dependency), the stack, and the
built package with the runtime interface emulator (`built_package`, shared with the emulator
tests) for the cold start and the package's import figures.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.compression import CODECS
from bench.compression import table as compression_table
from bench.run import TARGETS, run, table
from handlers import container
from local_stack import StackInfo


@pytest.fixture(scope="module")
def restored_environment() -> Iterator[None]:
    """The benchmarks deploy through os.environ, as Lambda configures the handler."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    container.reset()


@pytest.fixture(scope="module")  # one quick run serves every test here
def results(stack: StackInfo, restored_environment: None, built_package: Path) -> dict[str, Any]:
    return run(stack, quick=True, package=built_package)


def test_a_quick_run_yields_every_key_with_sane_values(results: dict[str, Any]) -> None:
    assert set(TARGETS) <= set(results)
    for key in ("transform_vs_floor", "e2e_vs_raw_producer", "import_vs_boto3"):
        assert 0 < results[key] < 100, key
    for key in ("import_vs_boto3_venv", "import_vs_boto3_tracing_on", "cold_start_vs_minimal"):
        assert 0 < results[key] < 100, key
    assert results["cold_start_ms"] > 0
    assert results["cold_start_minimal_ms"] > 0
    for size in (10, 1000):
        assert 0 < results[f"e2e_vs_raw_producer_{size}_records"] < 100, size
    assert 0 < results["e2e_vs_librdkafka"] < 100
    assert results["e2e_vs_naive_handler"] > 0
    assert results["librdkafka_reads_what_was_written"] is True
    assert results["ack_waits_per_invocation"] == 1
    assert results["ack_waits_min"] == 1
    assert results["peak_rss_mb_6mb_invocation"] >= results["rss_after_imports_mb"] > 10
    assert results["records_per_pass_100"] == 100  # one invocation of 10 x 10-event batches
    context = results["context"]
    assert context["crc32c_c_active"] is True
    assert context["kafka_broker"]
    assert "import_vs_boto3" in table(results)


def test_a_quick_run_compares_every_codec_with_none_on_the_wire(results: dict[str, Any]) -> None:
    assert results["wire_ratio_none"] == 1.0
    # The synthetic batches are JSON: every codec must shrink them.
    assert all(0 < results[f"wire_ratio_{codec}"] < 1 for codec in CODECS if codec != "none")
    assert all(results[f"mb_s_ratio_{codec}"] > 0 for codec in CODECS)
    assert "zstd" in compression_table(results)
