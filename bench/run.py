"""`make bench`: every benchmark against the local stack, a table, and bench/results/latest.json.

The stack of $FORWARDER_STACK_DIR (else the repository's `.stack`) is used when it is healthy;
otherwise one is started in the bench's own folder and stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import local_stack
from bench import capacity, cold_start, compression, crosscheck, e2e, imports, memory
from bench import transform as transform_bench
from local_stack import StackInfo
from tests.support.lambda_runtime import lambda_python

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
OWN_STACK_DIR = str(Path(tempfile.gettempdir()) / "forwarder-bench-stack")
# (key, target, whether higher is better)
TARGETS: dict[str, tuple[float, bool]] = {
    "transform_vs_floor": (1.2, False),
    "e2e_vs_raw_producer": (0.9, True),
    "e2e_vs_librdkafka": (0.6, True),
    "e2e_vs_naive_handler": (20, True),
    "import_vs_boto3": (0.6, False),
    "cold_start_vs_minimal": (1.5, False),
    "ack_waits_per_invocation": (1, False),
    "peak_rss_mb_6mb_invocation": (100, False),
    "peak_rss_mb_amplified_message": (200, False),
}


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def context(info: StackInfo) -> dict[str, Any]:
    """What the figures depend on besides the code."""
    import confluent_kafka  # noqa: PLC0415
    import kafka  # noqa: PLC0415
    import orjson  # noqa: PLC0415
    from kafka.record import util as record_util  # noqa: PLC0415

    return {
        "python": sys.version.split()[0],
        "cpu_model": cpu_model(),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        # kafka-python falls back to a pure-Python CRC32C (~64x slower) without the extension.
        "kafka_python": kafka.__version__,
        "crc32c_c_active": record_util.crc32c_c is not None,
        "orjson": orjson.__version__,
        "confluent_kafka": metadata.version("confluent-kafka"),
        "librdkafka": confluent_kafka.libversion()[0],
        "kafka_broker": info.kafka_version,
        "listener": "SASL_SSL, SCRAM-SHA-512, acks=all, idempotence, linger 2 ms",
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def transform_figures(repeats: int, seconds: float) -> dict[str, Any]:
    """The transform's CPU ratio to the orjson floor at 50 (headline), 1 and 500 events."""
    figures: dict[str, Any] = {}
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(cpus)})  # one CPU cuts the noise of a shared machine
    try:
        for events in (50, 1, 500):
            value, micros = transform_bench.ratio(events, True, repeats, seconds)
            key = "transform_vs_floor" if events == 50 else f"transform_vs_floor_{events}_events"
            figures |= {key: value, f"transform_us_{events}_events": micros}
            figures[f"transform_batch_bytes_{events}_events"] = len(
                transform_bench.synthetic_batch(events)
            )
    finally:
        os.sched_setaffinity(0, cpus)  # the producer's network thread and the broker need both
    return figures


@dataclass(frozen=True)
class Sizes:
    transform_repeats: int
    transform_seconds: float
    e2e_records_per_pass: int
    e2e_repeats: int
    e2e_min_invocations: int
    naive_invocations: int
    batch_mode_invocations: int
    batch_mode_repeats: int
    import_repeats: int
    memory_megabytes: float
    compression_invocations: int
    compression_repeats: int
    cold_start_repeats: int


FULL = Sizes(15, 0.1, 4000, 9, 4, 3, 20, 5, 11, 6.0, 10, 5, 11)
QUICK = Sizes(3, 0.01, 100, 2, 1, 1, 1, 1, 1, 0.3, 1, 1, 1)  # a smoke run: no timing meant


def run(info: StackInfo, *, quick: bool = False, package: Path | None = None) -> dict[str, Any]:
    """Every figure; `quick` shrinks sizes and repeats to a smoke run (no timing meant).
    `package`: the Lambda package `bench.cold_start.build` made; else one is built here."""
    if package is None:
        with tempfile.TemporaryDirectory(prefix="forwarder-bench-") as scratch:
            built = cold_start.build(Path(scratch) / "ForwarderFunction")
            return run(info, quick=quick, package=built)
    size = QUICK if quick else FULL
    results: dict[str, Any] = {"context": context(info)}
    results |= transform_figures(repeats=size.transform_repeats, seconds=size.transform_seconds)
    results |= e2e.measure(
        info,
        records_per_pass=size.e2e_records_per_pass,
        repeats=size.e2e_repeats,
        min_invocations=size.e2e_min_invocations,
        naive_invocations=size.naive_invocations,
    )
    results |= e2e.batch_mode(
        info, invocations=size.batch_mode_invocations, repeats=size.batch_mode_repeats
    )
    results |= crosscheck.measure(info)
    results |= imports.measure(package, lambda_python(), repeats=size.import_repeats)
    results |= cold_start.measure(info, package, repeats=size.cold_start_repeats)
    results |= memory.measure(info, megabytes=size.memory_megabytes)
    results |= compression.measure(
        info, invocations=size.compression_invocations, repeats=size.compression_repeats
    )
    results["context"] |= {
        "load_average_at_end": os.getloadavg(),
        "e2e_payload": "SQS events of 1, 10 or 100 messages, each a 10-event batch (~12 KB), "
        "per-event mode: 10, 100 or 1,000 records per invocation",
        "memory_payload": "one SQS event of ~57 KB 50-event batches, 6 MB of bodies, per-event",
        "compression_payload": "SQS events of 10 records, each a 50-event batch (~57 KB), "
        "batch mode; wire bytes: the record batches the broker stored",
        "cold_start_payload": "one SQS message, one event, one record (SEND_AS_BATCH=true), "
        "the built package under the runtime interface emulator with awslambdaric on "
        f"python3.13 ({lambda_python()})",
    }
    return results


def table(results: dict[str, Any]) -> str:
    lines = [f"{'key':30} {'value':>10} {'target':>8}  met", "-" * 55]
    for key, (target, higher) in TARGETS.items():
        value = results.get(key)
        if value is None:
            lines.append(f"{key:30} {'n/a':>10}")
            continue
        met = value >= target if higher else value <= target
        sign = ">=" if higher else "<="
        lines.append(f"{key:30} {value:10.3f} {sign}{target:<6}  {'yes' if met else 'NO'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    os.environ.setdefault(local_stack.state.STATE_DIR_ENV, _state_dir())
    with local_stack.in_use():
        info = local_stack.load()
        started = info is None or not local_stack.is_healthy(info)
        if started:
            print(f"starting the local stack in {os.environ[local_stack.state.STATE_DIR_ENV]}")
            info = local_stack.start()
        assert info is not None  # start() returns a running stack or raises
        results = run(info, quick=args.quick)
    if started:
        local_stack.stop_unless_in_use()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(table(results))
    print(compression.table(results))
    print(capacity.markdown(results))
    print(f"context: {json.dumps(results['context'])}")
    print(f"written to {args.output}")


def _state_dir() -> str:
    """The repository's stack when it is up, else the bench's own folder."""
    default = local_stack.state.state_dir()
    info = local_stack.load(default)
    return str(default) if info is not None and local_stack.is_healthy(info) else OWN_STACK_DIR


if __name__ == "__main__":
    main()
