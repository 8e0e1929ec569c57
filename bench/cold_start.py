"""Cold start under the Lambda runtime interface: the built package's first invocation against a
minimal Powertools handler's, in the same emulator, Python and package.

- `cold_start_ms`: a new emulated container per sample (the runtime interface emulator with
  awslambdaric on python3.13, as `make invoke` runs it), the template's environment pointed at
  the local stack, and the time of its first invocation over the invoke endpoint: the runtime's
  start (Python, awslambdaric, the handler's imports), the settings, the secret read (moto), the
  producer's TLS + SASL logins and one record acknowledged (checked: the response, and one
  record in a fresh topic per sample).
- `cold_start_minimal_ms`: the same for a handler that imports boto3 and Powertools' Logger and
  returns, written into the same package directory (the same bytecode of those libraries).
- `cold_start_vs_minimal`: the median over the repeats of each repeat's ratio; samples
  interleave, their order rotating from one repeat to the next.

    python -m bench.cold_start [--repeats N] [--revision REV ...] [--phases N]

runs it alone on the local stack; each `--revision` adds a contender: the same package with the
`src/` of that git revision (for before/after figures measured in one run). `--phases N` also
runs bench/cold_phases.py N times in each package (interleaved) and prints the median time of
each step of the cold start, the minimal handler's imports beside them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import local_stack
from handlers.local.context import local_sqs_event
from local_stack import StackInfo, create_topic, topic_record_count
from tests.support.lambda_runtime import lambda_python
from tools.lambda_emulator import (
    HANDLER,
    ROOT,
    Emulator,
    function_environment,
    local_stack_settings,
    runtime_environment,
)

MINIMAL_MODULE = "bench_minimal_handler"
# The handler a Powertools user starts from: boto3 at hand, a Logger, nothing else.
MINIMAL_SOURCE = '''"""The minimal Powertools handler the cold start is compared with."""

import boto3  # noqa: F401
from aws_lambda_powertools import Logger

logger = Logger()


@logger.inject_lambda_context
def handler(event, context):
    return {"batchItemFailures": []}
'''
SOURCE_PACKAGES = ("core", "adapters", "handlers")
FORWARDER = "forwarder"
MINIMAL = "minimal"
# One SQS message, one event: one record (the template's default, SEND_AS_BATCH=true).
_BODY = '{"mpid": 1, "events": [{"event_type": "screen_view", "data": {"screen_name": "Home"}}]}'


@dataclass(frozen=True)
class Contender:
    name: str
    package: Path
    handler: str
    produces: bool  # one record per cold start


def _make(*args: str) -> None:
    subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, check=True, timeout=900)


def _compile(path: Path, package: Path) -> None:
    """Bytecode as the build makes it: python3.13, unchecked-hash, paths under /var/task."""
    command = [lambda_python(), "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash"]
    subprocess.run(
        [*command, "-s", str(package), "-p", "/var/task", str(path)], check=True, timeout=600
    )


def add_minimal_handler(package: Path) -> None:
    """The minimal handler's module, compiled, beside the forwarder's in `package`."""
    module = package / f"{MINIMAL_MODULE}.py"
    module.write_text(MINIMAL_SOURCE)
    _compile(module, package)


def build(target: Path) -> Path:
    """The emulator and awslambdaric (`make lambda-runtime`), and the package as `sam build`
    makes it, in `target`, with the minimal handler added."""
    _make("lambda-runtime")
    _make("build-ForwarderFunction", f"ARTIFACTS_DIR={target}")
    add_minimal_handler(target)
    return target


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:  # another file system
        shutil.copy2(source, destination)


def variant(package: Path, revision: str, target: Path) -> Path:
    """`package` with the `src/` packages of git `revision` (hard links for the rest)."""
    shutil.copytree(package, target, copy_function=_link_or_copy)
    for name in SOURCE_PACKAGES:
        shutil.rmtree(target / name)
    archive = subprocess.run(
        ["git", "archive", revision, *(f"src/{name}" for name in SOURCE_PACKAGES)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar, tempfile.TemporaryDirectory() as tmp:
        tar.extractall(tmp, filter="data")
        for name in SOURCE_PACKAGES:
            shutil.copytree(Path(tmp) / "src" / name, target / name)
    shutil.rmtree(target / "handlers" / "local", ignore_errors=True)  # as the build does
    for name in SOURCE_PACKAGES:
        _compile(target / name, target)
    return target


def first_invocation_ms(
    contender: Contender, env: dict[str, str], event: dict[str, Any], log: Path
) -> float:
    """Milliseconds of a new container's first invocation (the runtime starts with it)."""
    with Emulator(contender.package, env, log, handler=contender.handler) as emulator:
        started = time.perf_counter()
        response = emulator.invoke(event)
        elapsed = time.perf_counter() - started
    if response != {"batchItemFailures": []}:
        raise RuntimeError(f"{contender.name}: {response}; log: {emulator.log()[-2000:]}")
    return elapsed * 1000


def samples(info: StackInfo, contenders: list[Contender], repeats: int) -> dict[str, list[float]]:
    """Each contender's cold starts, interleaved; every forwarder sample writes one record to
    a fresh topic (checked at the end)."""
    topic = f"cold-{uuid.uuid4().hex[:10]}"
    create_topic(info, topic, partitions=1)
    event = local_sqs_event([_BODY], "cold")
    settings, aws = local_stack_settings(info)
    function = function_environment(settings | {"KAFKA_TOPIC": topic})  # renders the template
    times: dict[str, list[float]] = {c.name: [] for c in contenders}
    with tempfile.TemporaryDirectory() as logs:
        for repeat in range(repeats):
            shift = repeat % len(contenders)
            for contender in contenders[shift:] + contenders[:shift]:
                env = runtime_environment(contender.package, function, aws)
                log = Path(logs) / f"{contender.name}-{repeat}.log"
                times[contender.name].append(first_invocation_ms(contender, env, event, log))
    expected = repeats * sum(c.produces for c in contenders)
    written = topic_record_count(info, topic)
    if written != expected:
        raise RuntimeError(f"{written} records in {topic}, expected {expected}")
    return times


def ratios(times: dict[str, list[float]], name: str, anchor: str = MINIMAL) -> float:
    """The median over the repeats of `name`'s time ÷ `anchor`'s in the same repeat."""
    return statistics.median(a / b for a, b in zip(times[name], times[anchor], strict=True))


def contenders(package: Path) -> list[Contender]:
    return [
        Contender(FORWARDER, package, HANDLER, produces=True),
        Contender(MINIMAL, package, f"{MINIMAL_MODULE}.handler", produces=False),
    ]


def measure(info: StackInfo, package: Path, repeats: int) -> dict[str, Any]:
    times = samples(info, contenders(package), repeats)
    return {
        "cold_start_ms": statistics.median(times[FORWARDER]),
        "cold_start_minimal_ms": statistics.median(times[MINIMAL]),
        "cold_start_vs_minimal": ratios(times, FORWARDER),
        "cold_start_repeats": repeats,
    }


PHASES_SCRIPT = Path(__file__).resolve().parent / "cold_phases.py"


def phase_marks(package: Path, env: dict[str, str], *args: str) -> dict[str, list[float]]:
    """One run of bench/cold_phases.py in `package`: for each step, the wall and CPU
    milliseconds from the run's start to the step's end."""
    answer = subprocess.run(
        [lambda_python(), "-P", str(PHASES_SCRIPT), *args],  # -P: bench/ is not on sys.path
        cwd=package,
        env=env | {"PYTHONPATH": str(package)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    (line,) = [line for line in answer.stdout.splitlines() if line.startswith("MARKS ")]
    marks: dict[str, list[float]] = json.loads(line.removeprefix("MARKS "))
    return marks


def phases(
    info: StackInfo, field: list[Contender], repeats: int
) -> dict[str, dict[str, tuple[float, float]]]:
    """Per contender (the minimal one: its imports), the median wall and CPU milliseconds each
    step took after the step before it, in the order of their median ends."""
    settings, aws = local_stack_settings(info)
    function = function_environment(settings)
    runs: dict[str, list[dict[str, list[float]]]] = {c.name: [] for c in field}
    for repeat in range(repeats):
        shift = repeat % len(field)
        for contender in field[shift:] + field[:shift]:
            env = runtime_environment(contender.package, function, aws)
            args = ("minimal",) if contender.name == MINIMAL else ()
            runs[contender.name].append(phase_marks(contender.package, env, *args))
    table: dict[str, dict[str, tuple[float, float]]] = {}
    for name, marks in runs.items():
        ends = {
            step: tuple(statistics.median(m[step][i] for m in marks) for i in (0, 1))
            for step in marks[0]
        }
        previous = (0.0, 0.0)
        table[name] = {}
        for step, end in sorted(ends.items(), key=lambda item: item[1][0]):
            table[name][step] = (end[0] - previous[0], end[1] - previous[1])
            previous = (end[0], end[1])
        table[name]["total"] = previous
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--revision", action="append", default=[], help="git revision of src/")
    parser.add_argument("--phases", type=int, default=0, help="runs of bench/cold_phases.py")
    parser.add_argument("--package", type=Path, help="a package `build` made (not rebuilt)")
    args = parser.parse_args(argv)
    info = local_stack.load()
    if info is None or not local_stack.is_healthy(info):
        raise SystemExit("no healthy local stack: make stack-up")
    with local_stack.in_use(), tempfile.TemporaryDirectory(prefix="forwarder-cold-") as scratch:
        package = args.package or build(Path(scratch) / "ForwarderFunction")
        field = contenders(package)
        for revision in args.revision:
            copy = variant(package, revision, Path(scratch) / f"at-{revision}")
            field.append(Contender(revision, copy, HANDLER, produces=True))
        times = samples(info, field, args.repeats) if args.repeats else {}
        steps = phases(info, field, args.phases) if args.phases else {}
    for name, table in steps.items():
        print(f"{name}: median ms per step ({args.phases} runs): wall, process CPU")
        for step, (wall, cpu) in table.items():
            print(f"  {wall:7.1f} {cpu:7.1f}  {step}")
    if not times:
        return
    print(f"{'contender':24} {'median ms':>10} {'÷ minimal':>10}")
    for contender in field:
        ratio = "" if contender.name == MINIMAL else f"{ratios(times, contender.name):10.2f}"
        print(f"{contender.name:24} {statistics.median(times[contender.name]):10.0f} {ratio}")


if __name__ == "__main__":
    main()
