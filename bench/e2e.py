"""The handler against a bare kafka-python producer: same broker, listener, settings and values.

The handler forwards prebuilt SQS events in-process (transform, produce, one wait per invocation);
the raw producer sends the records those events make, prebuilt, and flushes once. Both run warm,
interleaved (H R R H ...); the ratio is the median of each pair's records/s ratio.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench.deploy import credentials, deploy, events, quiet, records
from core.kafka_records import KafkaRecord
from core.outcomes import InvocationReport
from local_stack import StackInfo


@dataclass(frozen=True)
class HandlerRun:
    seconds: float
    records: int
    value_bytes: int
    ack_waits: list[int]  # per invocation


class Handler:
    """The real Lambda handler in a warm container, its forwarder's reports captured."""

    def __init__(self) -> None:
        from handlers import container  # noqa: PLC0415 (after deploy() set the environment)
        from handlers.lambda_handler import handler  # noqa: PLC0415
        from handlers.local.context import LocalContext  # noqa: PLC0415

        self._handler, self._context = handler, LocalContext
        self.reports: list[InvocationReport] = []
        self._container = container

    def warm(self, event: dict[str, Any]) -> None:
        """Build the container's forwarder and connect, then record every report it returns."""
        self.invoke(event)
        forwarder = self._container.get(30_000)
        forward = forwarder.forward

        def recording(*args: Any, **kwargs: Any) -> InvocationReport:
            report = forward(*args, **kwargs)
            self.reports.append(report)
            return report

        forwarder.forward = recording  # type: ignore[method-assign]

    def invoke(self, event: dict[str, Any]) -> None:
        with quiet():
            response = self._handler(event, self._context(timeout_s=60.0))
        if response["batchItemFailures"]:
            raise RuntimeError(f"the handler left messages for retry: {response}")

    def run(self, sqs_events: list[dict[str, Any]]) -> HandlerRun:
        self.reports.clear()
        started = time.perf_counter()
        for event in sqs_events:
            self.invoke(event)
        seconds = time.perf_counter() - started
        produced = sum(r.records_produced for r in self.reports)
        return HandlerRun(seconds, produced, 0, [r.ack_waits for r in self.reports])


class RawProducer:
    """A bare KafkaProducer with the forwarder's own settings (acks=all, idempotence, linger)."""

    def __init__(self, info: StackInfo) -> None:
        from kafka import KafkaProducer  # noqa: PLC0415

        from adapters.kafka_producer import Timeouts, producer_config  # noqa: PLC0415
        from core.settings import load_settings  # noqa: PLC0415

        config = producer_config(
            load_settings("lambda"), credentials(info), Timeouts.within(60_000)
        )
        self._producer = KafkaProducer(**config)

    def run(
        self, prebuilt: list[tuple[str, bytes, bytes | None, list[Any]]], every: int = 0
    ) -> float:
        """Seconds to send every record and flush once (or after every `every` records)."""
        send, flush = self._producer.send, self._producer.flush
        started = time.perf_counter()
        for count, (topic, value, key, headers) in enumerate(prebuilt, 1):
            send(topic, value=value, key=key, headers=headers)
            if every and count % every == 0:
                flush()
        flush()
        return time.perf_counter() - started

    def close(self) -> None:
        self._producer.close(timeout=5)


def prebuild(built: list[KafkaRecord]) -> list[tuple[str, bytes, bytes | None, list[Any]]]:
    """Send arguments ready to go (the adapter too passes headers as a new list)."""
    return [(r.topic, r.value, r.key, list(r.headers)) for r in built]


def measure(
    info: StackInfo, invocations: int = 40, repeats: int = 7, batch_events: int = 10
) -> dict[str, Any]:
    """records/s of the handler ÷ the raw producer, per-event mode, 10 SQS records per event."""
    deploy(info, send_as_batch=False)
    sqs_events = events(invocations, 10, batch_events)
    prebuilt = prebuild(records(sqs_events, send_as_batch=False))
    handler, raw = Handler(), RawProducer(info)
    try:
        handler.warm(events(1, 10, batch_events)[0])
        raw.run(prebuilt[:100])
        ratios: list[float] = []
        chunked_ratios: list[float] = []
        handler_rates: list[float] = []
        raw_rates: list[float] = []
        waits: list[int] = []
        per_invocation = len(prebuilt) // invocations
        for repeat in range(repeats):
            if repeat % 2:
                chunked_s = raw.run(prebuilt, every=per_invocation)
                raw_s = raw.run(prebuilt)
                ours = handler.run(sqs_events)
            else:
                ours = handler.run(sqs_events)
                raw_s = raw.run(prebuilt)
                chunked_s = raw.run(prebuilt, every=per_invocation)
            if ours.records != len(prebuilt):
                raise RuntimeError(f"{ours.records} records produced, {len(prebuilt)} expected")
            handler_rates.append(ours.records / ours.seconds)
            raw_rates.append(len(prebuilt) / raw_s)
            ratios.append(handler_rates[-1] / raw_rates[-1])
            # Context: the raw producer also waiting once per invocation's worth of records.
            chunked_ratios.append(handler_rates[-1] / (len(prebuilt) / chunked_s))
            waits.extend(ours.ack_waits)
    finally:
        raw.close()
    return {
        "e2e_vs_raw_producer": statistics.median(ratios),
        "ack_waits_per_invocation": max(waits),
        "handler_records_per_s": statistics.median(handler_rates),
        "raw_records_per_s": statistics.median(raw_rates),
        "records_per_pass": len(prebuilt),
        "invocations_per_pass": invocations,
        "ack_waits_min": min(waits),
        "e2e_vs_raw_producer_flush_per_invocation": statistics.median(chunked_ratios),
    }
