"""A pyinstrument profile of warm invocations of the real handler on the local stack.

`python -m bench.profile OUT.txt [--invocations N] [--messages M]` deploys a fresh topic
(per-event mode), warms the handler with one invocation, then profiles N warm invocations of M
SQS messages of 10-event batches (M x 10 records each; 10 x 10 = 100 by default) and writes
pyinstrument's text report. The stack of $FORWARDER_STACK_DIR (else the repository's `.stack`)
must be running (`make stack-up`). The sampling interval is short so that the invocation's own
few milliseconds show; the producer's network thread is profiled too (`async_mode="disabled"`
keeps the report per thread off: it reports the main thread, where the handler's cost is).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import local_stack
from bench.deploy import deploy, events
from bench.e2e import Handler


def profile(invocations: int, messages: int) -> str:
    """The text report of `invocations` warm invocations of `messages` x 10 records."""
    from pyinstrument import Profiler  # noqa: PLC0415 (a dev dependency)

    info = local_stack.load()
    if info is None or not local_stack.is_healthy(info):
        raise SystemExit("no healthy local stack: run `make stack-up` first")
    deploy(info, send_as_batch=False)
    sqs_events = events(invocations, messages, 10)
    handler = Handler()
    handler.warm(events(1, messages, 10)[0])
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    run = handler.run(sqs_events)
    profiler.stop()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    header = (
        f"{invocations} warm invocations of {messages * 10} records: {run.records} records in "
        f"{run.seconds * 1000:.0f} ms, {run.records / run.seconds:.0f} records/s "
        f"(load average {load})\n"
    )
    text: str = profiler.output_text(unicode=False, color=False, show_all=False)
    return header + text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--invocations", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10)
    args = parser.parse_args()
    report = profile(args.invocations, args.messages)
    args.output.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
