"""The handler end to end against three anchors on the same broker, listener, settings and values.

- the raw kafka-python producer, sent the records the handler makes (prebuilt, outside any
  timing) and flushed once per invocation's records: at 10, 100 and 1,000 records per
  invocation (`e2e_vs_raw_producer`, the 100 case, and `_10_records`, `_1000_records`);
- confluent-kafka (librdkafka) doing the same at 100 records per invocation
  (`e2e_vs_librdkafka`);
- for context, the raw producer that also runs the forwarder's transform on the SQS messages
  (`e2e_vs_raw_producer_transforming`): the handler's own overhead, the transform left out;
- the handler a user writes from Powertools' batch documentation: `process_partial_response`
  with a `record_handler` that transforms its message as the forwarder does, then sends each
  record and waits for it (`e2e_vs_naive_handler`).

Each contender runs warm in this process; a repeat runs every contender once, in an order that
rotates from one repeat to the next; a figure is the median over the repeats of the handler's
records/s ÷ the anchor's records/s measured in the same repeat.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench.deploy import credentials, deploy, events, librdkafka_login, quiet, records
from core.kafka_records import KafkaRecord
from core.outcomes import InvocationReport
from local_stack import StackInfo

Prebuilt = list[tuple[str, bytes, bytes | None, list[tuple[str, bytes]]]]
# Records per invocation measured, and the headline size.
SIZES = (10, 100, 1000)
HEADLINE = 100
_BATCH_EVENTS = 10  # each SQS message is a 10-event batch: 10 records in per-event mode
_BATCH_EVENTS_BATCH_MODE = 50  # ~57 KB bodies, as mParticle sends them


@dataclass(frozen=True)
class HandlerRun:
    seconds: float
    records: int
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
            self._invoke(event)

    def _invoke(self, event: dict[str, Any], context: Any = None) -> None:
        response = self._handler(event, context or self._context(timeout_s=60.0))
        if response["batchItemFailures"]:
            raise RuntimeError(f"the handler left messages for retry: {response}")

    def run(self, sqs_events: list[dict[str, Any]]) -> HandlerRun:
        """Invoke the handler once per event. Its log lines and metrics are written to
        /dev/null (still formatted and written: the cost is the handler's). The Lambda contexts
        are made before the clock starts: in Lambda the runtime makes them, not the function."""
        self.reports.clear()
        contexts = [self._context(timeout_s=60.0) for _ in sqs_events]
        with quiet():
            started = time.perf_counter()
            for event, context in zip(sqs_events, contexts, strict=True):
                self._invoke(event, context)
            seconds = time.perf_counter() - started
        produced = sum(r.records_produced for r in self.reports)
        return HandlerRun(seconds, produced, [r.ack_waits for r in self.reports])


def kafka_python_config(info: StackInfo) -> dict[str, Any]:
    """The forwarder's own kafka-python settings (acks=all, idempotence, linger, batch size)."""
    from adapters.kafka_producer import Timeouts, producer_config  # noqa: PLC0415
    from core.settings import load_settings  # noqa: PLC0415

    return producer_config(load_settings("lambda"), credentials(info), Timeouts.within(60_000))


class RawProducer:
    """A bare KafkaProducer with the forwarder's settings, flushing once per invocation's
    records."""

    def __init__(self, info: StackInfo) -> None:
        from kafka import KafkaProducer  # noqa: PLC0415

        from core.settings import load_settings  # noqa: PLC0415
        from core.transform import BatchTransform  # noqa: PLC0415

        self._producer = KafkaProducer(**kafka_python_config(info))
        self._transform = BatchTransform.from_settings(load_settings("lambda"))

    def run(self, invocations: list[Prebuilt]) -> float:
        """Seconds to send each invocation's records and flush after each."""
        send, flush = self._producer.send, self._producer.flush
        started = time.perf_counter()
        for prebuilt in invocations:
            for topic, value, key, headers in prebuilt:
                send(topic, value=value, key=key, headers=headers)
            flush()
        return time.perf_counter() - started

    def run_transforming(self, sqs_events: list[dict[str, Any]]) -> float:
        """Seconds to transform each invocation's messages as the forwarder does, sending each
        message's records as soon as they are made, and flush after each invocation: what a
        handler with no overhead of its own would take (context, not a target)."""
        from core.sqs_event import SqsMessage  # noqa: PLC0415

        send, flush, apply = self._producer.send, self._producer.flush, self._transform.apply
        started = time.perf_counter()
        for event in sqs_events:
            for message in event["Records"]:
                result = apply(SqsMessage(message["messageId"], message["body"]))
                for r in getattr(result, "records", ()):
                    send(r.topic, value=r.value, key=r.key, headers=r.headers)
            flush()
        return time.perf_counter() - started

    def close(self) -> None:
        self._producer.close(timeout=5)


class Librdkafka:
    """confluent-kafka's Producer with the same listener, login and safety settings."""

    def __init__(self, info: StackInfo) -> None:
        from confluent_kafka import Producer  # noqa: PLC0415 (a dev dependency, bench only)

        self._producer = Producer(
            librdkafka_login(info, "bench-librdkafka")
            | {
                "acks": "all",
                "enable.idempotence": True,
                "linger.ms": 2,
                "batch.size": 256 * 1024,
            }
        )

    def run(self, invocations: list[Prebuilt]) -> float:
        """Seconds to produce each invocation's records and flush after each."""
        produce, flush = self._producer.produce, self._producer.flush
        started = time.perf_counter()
        for prebuilt in invocations:
            for topic, value, key, headers in prebuilt:
                produce(topic, value=value, key=key, headers=headers)  # type: ignore[arg-type]
            if flush(30) != 0:
                raise RuntimeError("librdkafka left records undelivered")
        return time.perf_counter() - started

    def close(self) -> None:
        self._producer.flush(5)


class NaiveHandler:
    """The per-record handler of Powertools' batch documentation: each record's send waits for
    its acknowledgement before the next one (`send(...).get()`)."""

    def __init__(self, info: StackInfo) -> None:
        from aws_lambda_powertools.utilities.batch import (  # noqa: PLC0415
            BatchProcessor,
            EventType,
            process_partial_response,
        )
        from aws_lambda_powertools.utilities.data_classes.sqs_event import (  # noqa: PLC0415
            SQSRecord,
        )
        from kafka import KafkaProducer  # noqa: PLC0415

        from core.settings import load_settings  # noqa: PLC0415
        from core.sqs_event import SqsMessage  # noqa: PLC0415
        from core.transform import BatchTransform, Transformed  # noqa: PLC0415
        from handlers.local.context import LocalContext  # noqa: PLC0415

        producer = KafkaProducer(**kafka_python_config(info))
        transform = BatchTransform.from_settings(load_settings("lambda"))
        processor = BatchProcessor(event_type=EventType.SQS)

        def record_handler(record: SQSRecord) -> None:
            result = transform.apply(SqsMessage(record.message_id, record.body))
            if not isinstance(result, Transformed):
                raise ValueError(result.reason)
            for r in result.records:
                producer.send(r.topic, value=r.value, key=r.key, headers=r.headers).get(30)

        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return dict(
                process_partial_response(
                    event=event, record_handler=record_handler, processor=processor, context=context
                )
            )

        self._handler, self._producer, self._context = handler, producer, LocalContext

    def run(self, sqs_events: list[dict[str, Any]]) -> float:
        contexts = [self._context(timeout_s=60.0) for _ in sqs_events]
        started = time.perf_counter()
        for event, context in zip(sqs_events, contexts, strict=True):
            response = self._handler(event, context)
            if response["batchItemFailures"]:
                raise RuntimeError(f"the naive handler failed records: {response}")
        return time.perf_counter() - started

    def close(self) -> None:
        self._producer.close(timeout=5)


def prebuild(built: list[KafkaRecord]) -> Prebuilt:
    """Send arguments ready to go (kafka-python takes headers as a list only)."""
    return [(r.topic, r.value, r.key, r.headers) for r in built]


@dataclass(frozen=True)
class Workload:
    """One invocation size: the SQS events and, per invocation, the records they make."""

    per_invocation: int
    sqs_events: list[dict[str, Any]]
    prebuilt: list[Prebuilt]

    @property
    def records(self) -> int:
        return self.per_invocation * len(self.sqs_events)

    @classmethod
    def make(cls, per_invocation: int, invocations: int) -> Workload:
        messages = per_invocation // _BATCH_EVENTS
        sqs_events = events(invocations, messages, _BATCH_EVENTS)
        prebuilt = [prebuild(records([e], send_as_batch=False)) for e in sqs_events]
        return cls(per_invocation, sqs_events, prebuilt)


def _rotated(items: list[Any], by: int) -> list[Any]:
    by %= len(items)
    return items[by:] + items[:by]


Timer = Callable[[], float]


def _repeats(
    contenders: dict[str, Timer], repeats: int, cpu: dict[str, list[float]] | None = None
) -> dict[str, list[float]]:
    """Seconds per contender per repeat, the order rotating from one repeat to the next; the
    process's CPU seconds of each go to `cpu` (context: less sensitive to a loaded machine
    than wall time, though librdkafka's C threads count there too)."""
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    for repeat in range(repeats):
        for name in _rotated(list(contenders), repeat):
            started_cpu = time.process_time()
            seconds[name].append(contenders[name]())
            if cpu is not None:
                cpu.setdefault(name, []).append(time.process_time() - started_cpu)
    return seconds


def measure(
    info: StackInfo,
    records_per_pass: int = 4000,
    repeats: int = 7,
    *,
    min_invocations: int = 4,
    naive_invocations: int = 3,
) -> dict[str, Any]:
    """The handler's records/s ÷ each anchor's, per-event mode, at each invocation size."""
    deploy(info, send_as_batch=False)
    handler = Handler()
    handler.warm(events(1, 10, _BATCH_EVENTS)[0])
    raw, librdkafka, naive = RawProducer(info), Librdkafka(info), NaiveHandler(info)
    figures: dict[str, Any] = {}
    waits: list[int] = []
    try:
        for size in SIZES:
            load = Workload.make(size, max(min_invocations, records_per_pass // size))
            naive_load = Workload.make(size, naive_invocations)
            runs: list[HandlerRun] = []
            contenders: dict[str, Timer] = {
                "handler": partial(_handler_seconds, handler, load, runs),
                "raw": partial(raw.run, load.prebuilt),
            }
            if size == HEADLINE:
                contenders["librdkafka"] = partial(librdkafka.run, load.prebuilt)
                contenders["naive"] = partial(naive.run, naive_load.sqs_events)
                contenders["raw_transforming"] = partial(raw.run_transforming, load.sqs_events)
            # Warm each contender on this workload (new batch sizes, page cache) untimed.
            _repeats(contenders, 1)
            runs.clear()
            cpu: dict[str, list[float]] = {}
            seconds = _repeats(contenders, repeats, cpu)
            figures |= _figures(size, load, naive_load, seconds)
            figures |= {
                f"{name}_cpu_us_per_record_{size}": statistics.median(values)
                / (naive_load if name == "naive" else load).records
                * 1e6
                for name, values in cpu.items()
            }
            waits += [w for run in runs for w in run.ack_waits]
    finally:
        raw.close()
        librdkafka.close()
        naive.close()
    return figures | {"ack_waits_per_invocation": max(waits), "ack_waits_min": min(waits)}


def _handler_seconds(handler: Handler, load: Workload, runs: list[HandlerRun]) -> float:
    runs.append(handler.run(load.sqs_events))
    if runs[-1].records != load.records:
        raise RuntimeError(f"{runs[-1].records} records produced, {load.records} expected")
    return runs[-1].seconds


def _figures(
    size: int, load: Workload, naive_load: Workload, seconds: dict[str, list[float]]
) -> dict[str, Any]:
    """Medians of the per-repeat ratios (and of the rates, for context) of one size."""
    rates = {
        name: [(naive_load if name == "naive" else load).records / s for s in values]
        for name, values in seconds.items()
    }
    ours = rates.pop("handler")
    suffix = "" if size == HEADLINE else f"_{size}_records"
    keys = {"raw": "e2e_vs_raw_producer", "librdkafka": "e2e_vs_librdkafka"}
    keys["naive"] = "e2e_vs_naive_handler"
    keys["raw_transforming"] = "e2e_vs_raw_producer_transforming"
    figures: dict[str, Any] = {
        f"handler_records_per_s_{size}": statistics.median(ours),
        f"records_per_pass_{size}": load.records,
    }
    for name, theirs in rates.items():
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        figures[keys[name] + suffix] = statistics.median(ratios)
        figures[f"{name}_records_per_s_{size}"] = statistics.median(theirs)
    return figures


def batch_mode(info: StackInfo, invocations: int = 20, repeats: int = 5) -> dict[str, Any]:
    """Events/s of the handler in batch mode (one record per SQS message), 10 messages of
    50-event batches per invocation: the capacity table's figure for that mode."""
    deploy(info, send_as_batch=True)
    handler = Handler()
    handler.warm(events(1, 10, _BATCH_EVENTS_BATCH_MODE)[0])
    sqs_events = events(invocations, 10, _BATCH_EVENTS_BATCH_MODE)
    rates = []
    for _ in range(repeats):
        run = handler.run(sqs_events)
        if run.records != len(sqs_events) * 10:
            raise RuntimeError(f"{run.records} records produced, {len(sqs_events) * 10} expected")
        rates.append(run.records * _BATCH_EVENTS_BATCH_MODE / run.seconds)
    return {
        "handler_events_per_s_batch_mode": statistics.median(rates),
        "events_per_invocation_batch_mode": 10 * _BATCH_EVENTS_BATCH_MODE,
    }


def main() -> None:
    """`python -m bench.e2e [--repeats N] [--records-per-pass N]`: the end-to-end figures alone
    (all sizes and anchors, interleaved), on a running stack, printed as JSON with the load
    average before and after: a quicker side-by-side run than the whole `make bench`."""
    import argparse  # noqa: PLC0415
    import json  # noqa: PLC0415
    import os  # noqa: PLC0415

    import local_stack  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=(main.__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--records-per-pass", type=int, default=4000)
    args = parser.parse_args()
    info = local_stack.load()
    if info is None or not local_stack.is_healthy(info):
        raise SystemExit("no healthy local stack: run `make stack-up` first")
    load_before = os.getloadavg()
    figures = measure(info, records_per_pass=args.records_per_pass, repeats=args.repeats)
    figures["load_average"] = [load_before, os.getloadavg()]
    print(json.dumps(figures, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
