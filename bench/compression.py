"""Each KAFKA_COMPRESSION codec against none: bytes on the wire and the handler's MB/s.

One topic per codec receives the same SQS events through the real handler (batch mode, 10
records of ~57 KB 50-event batches per invocation). Bytes on the wire are the record batches the
broker stored for the topic (`local_stack.log_segments`: stored as the producer sent them), so
`wire_ratio_<codec>` = the codec's bytes ÷ none's. MB/s counts uncompressed value bytes per
second of handler time; the codecs run in rounds, each round in a rotated order, and
`mb_s_ratio_<codec>` is the median over rounds of the codec's MB/s ÷ none's in that round.
"""

from __future__ import annotations

import os
import statistics
from typing import Any

from bench.deploy import deploy, events, records
from bench.e2e import Handler
from local_stack import StackInfo
from local_stack.log_segments import stored_batches

CODECS = ("none", "gzip", "snappy", "lz4", "zstd")


def measure(
    info: StackInfo, invocations: int = 10, repeats: int = 5, batch_events: int = 50
) -> dict[str, Any]:
    """`wire_ratio_<codec>`, `mb_s_ratio_<codec>` and `handler_mb_s_<codec>` for every codec."""
    sqs_events = events(invocations, 10, batch_events)
    warm_event = events(1, 10, batch_events)[0]
    topics: dict[str, dict[str, str]] = {c: _topic_env(info, c) for c in CODECS}
    total_mb = sum(len(r.value) for r in records(sqs_events, send_as_batch=True)) / 1e6
    rates: dict[str, list[float]] = {codec: [] for codec in CODECS}
    for repeat in range(repeats):
        order = CODECS[repeat % len(CODECS) :] + CODECS[: repeat % len(CODECS)]
        for codec in order:
            rates[codec].append(total_mb / _timed(topics[codec], warm_event, sqs_events))
    wire = {codec: _wire_bytes(info, env["KAFKA_TOPIC"]) for codec, env in topics.items()}
    figures: dict[str, Any] = {"compression_mb_per_pass": total_mb}
    for codec in CODECS:
        ratios = [ours / none for ours, none in zip(rates[codec], rates["none"], strict=True)]
        figures |= {
            f"wire_ratio_{codec}": wire[codec] / wire["none"],
            f"mb_s_ratio_{codec}": statistics.median(ratios),
            f"handler_mb_s_{codec}": statistics.median(rates[codec]),
        }
    return figures


def _topic_env(info: StackInfo, codec: str) -> dict[str, str]:
    return deploy(info, send_as_batch=True, compression=codec)


def _timed(env: dict[str, str], warm_event: dict[str, Any], sqs_events: list[Any]) -> float:
    """Seconds the handler takes for `sqs_events` in a warm container set up for `env`."""
    os.environ.update(env)
    from handlers import container  # noqa: PLC0415 (after the environment is set)

    container.reset()
    handler = Handler()
    handler.warm(warm_event)
    return handler.run(sqs_events).seconds


def _wire_bytes(info: StackInfo, topic: str) -> int:
    return sum(batch.size for batch in stored_batches(info, topic))


def table(results: dict[str, Any]) -> str:
    """The codecs side by side: bytes on the wire and handler MB/s, each ÷ uncompressed."""
    lines = [f"{'codec':8} {'wire ÷ none':>12} {'MB/s ÷ none':>12} {'MB/s':>8}", "-" * 44]
    for codec in CODECS:
        if f"wire_ratio_{codec}" not in results:
            continue
        lines.append(
            f"{codec:8} {results[f'wire_ratio_{codec}']:12.3f} "
            f"{results[f'mb_s_ratio_{codec}']:12.3f} {results[f'handler_mb_s_{codec}']:8.1f}"
        )
    return "\n".join(lines)
