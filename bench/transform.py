"""Transform CPU cost against the orjson floor on a synthetic 57 KB, 50-event mParticle batch.

The floor is what any forwarder must do: orjson.loads of the batch, then one orjson.dumps per
output record with the batch fields serialized once and the event bytes spliced in (the values
kept in a list, as a producer needs them all). Numerator and denominator run interleaved
(A B B A ...), each sample CPU time (time.process_time) after a short warm-up; the ratio is the
median over the repeats of each adjacent pair's ratio. The process pins itself to one CPU when
it can, which cuts the noise of a shared machine.

    .venv/bin/python bench/transform.py [--repeats 15] [--seconds 0.1]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

from core.kafka_records import KafkaRecord
from core.settings import Settings, load_settings
from core.sqs_event import SqsMessage
from core.transform import BatchTransform, Transformed

_EVENT_TYPES = ("custom_event", "screen_view", "commerce_event")


def _attributes(rng: random.Random, count: int) -> dict[str, str]:
    return {
        f"attribute_{i}": f"value-{rng.randrange(10**7)}-{'x' * rng.randrange(0, 3)}"
        for i in range(count)
    }


def _event(rng: random.Random, n: int) -> dict[str, Any]:
    event_type = _EVENT_TYPES[n % 3]
    data: dict[str, Any] = {
        "event_id": -rng.randrange(10**18, 9 * 10**18),
        "source_message_id": f"{rng.getrandbits(128):032x}",
        "session_id": -rng.randrange(10**18, 9 * 10**18),
        "session_uuid": "0b6f7e5e-7c1d-4f0e-9a43-6f1c2b8d9e10",
        "timestamp_unixtime_ms": 1_700_000_000_000 + n * 1000,
        "event_start_unixtime_ms": 1_700_000_000_000 + n * 1000,
        "custom_attributes": _attributes(rng, 7 + n % 9),
        "location": {"latitude": 40.7128, "longitude": -74.006, "accuracy": 12.5},
        "device_current_state": {
            "time_since_start_ms": n * 1500,
            "battery_level": 0.82,
            "data_connection_type": "wifi",
            "gps_state": True,
            "total_system_memory_usage_bytes": 2_147_483_648,
            "disk_space_free_bytes": 51_539_607_552,
            "device_orientation": "portrait",
        },
        "custom_flags": {"Google.Category": "engagement", "Google.Label": f"label-{n}"},
    }
    if event_type == "custom_event":
        data |= {"event_name": f"Tapped button {n}", "custom_event_type": "navigation"}
    elif event_type == "screen_view":
        data |= {"screen_name": f"Screen {n}", "activity_type": "activity_started"}
    else:
        product = {
            "id": f"sku-{n}",
            "name": "Trail shoe",
            "brand": "Acme",
            "price": 89.99,
            "quantity": 1.0,
        }
        data["product_action"] = {
            "action": "add_to_cart",
            "total_amount": 89.99,
            "products": [product],
        }
        data["currency_code"] = "USD"
    return {"event_type": event_type, "data": data}


def synthetic_batch(events: int, seed: int = 7) -> str:
    """A realistic mParticle batch (about 57 KB at 50 events) as compact JSON text."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not a secret)
    batch: dict[str, Any] = {
        "events": [_event(rng, n) for n in range(events)],
        "device_info": {
            "platform": "iOS",
            "device": "Jo's iPhone",
            "os_version": "17.4",
            "device_model": "iPhone15,2",
        },
        "application_info": {
            "application_name": "Shop",
            "application_version": "5.2.1",
            "package": "com.example.shop",
        },
        "user_attributes": _attributes(rng, 24),
        "user_identities": [
            {
                "identity_type": "customer_id",
                "identity": "c-1029384756",
                "timestamp_unixtime_ms": 1_690_000_000_000,
            },
            {
                "identity_type": "email",
                "identity": "jo@example.com",
                "timestamp_unixtime_ms": 1_690_000_000_000,
            },
        ],
        "consent_state": {
            "gdpr": {"analytics": {"consented": True, "timestamp_unixtime_ms": 1_690_000_000_000}}
        },
        "context": {"data_plan": {"plan_id": "shop", "plan_version": 3}},
        "environment": "production",
        "mpid": -8_217_340_596_312_475_601,
        "batch_id": -4_930_117_245_006_188_253,
        "timestamp_unixtime_ms": 1_700_000_060_000,
        "schema_version": 2,
    }
    return orjson.dumps(batch).decode()


def floor(body: str, per_event: bool) -> list[bytes]:
    """The unavoidable work: parse, then one dump per record with the context dumped once, and
    the body's digest (the contract makes every dedup id from it: any forwarder whose dedup ids
    survive a redrive must read the body once more).

    (`synthetic_batch` puts `events` first, so the context splices in after it.)
    """
    hashlib.sha256(body.encode()).digest()
    batch = orjson.loads(body)
    if not per_event:
        return [orjson.dumps(batch)]
    events = batch.pop("events")
    context = orjson.dumps(batch)
    head, tail = b'{"events":[', b"]," + context[1:]
    # The values are kept, as a producer needs them all at once.
    return [head + orjson.dumps(event) + tail for event in events]


def _cpu_per_call(function: Callable[[], object], seconds: float) -> float:
    for _ in range(5):  # warm the caches after the other side ran
        function()
    calls, started = 0, time.process_time()
    while (elapsed := time.process_time() - started) < seconds:
        for _ in range(20):
            function()
        calls += 20
    return elapsed / calls


def _records(transform: BatchTransform, message: SqsMessage) -> list[KafkaRecord]:
    """Every record of `message`, built: the transform makes them on demand."""
    result = transform.apply(message)
    assert isinstance(result, Transformed)
    return list(result.records)


def ratio(
    events: int, per_event: bool, repeats: int = 15, seconds: float = 0.1
) -> tuple[float, float]:
    """Median transform/floor CPU ratio and the median transform time in µs per batch."""
    body = synthetic_batch(events)
    settings: Settings = load_settings(
        "preview", {"kafka_topic": "events", "send_as_batch": not per_event}
    )
    transform = BatchTransform.from_settings(settings)
    message = SqsMessage("0f3c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b", body)
    ratios, times = [], []
    for repeat in range(repeats):
        if repeat % 2:
            ours = _cpu_per_call(lambda: _records(transform, message), seconds)
            base = _cpu_per_call(lambda: floor(body, per_event), seconds)
        else:
            base = _cpu_per_call(lambda: floor(body, per_event), seconds)
            ours = _cpu_per_call(lambda: _records(transform, message), seconds)
        ratios.append(ours / base)
        times.append(ours * 1e6)
    return statistics.median(ratios), statistics.median(times)


def _pin_to_one_cpu() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "no CPU (not supported here)"
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"CPU {cpu}"


def main(argv: list[str] | None = None) -> float:
    """Print every case's ratio; return the headline one (50 events, one record per event)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="interleaved pairs (at least 7)")
    parser.add_argument("--seconds", type=float, default=0.1, help="CPU seconds per sample")
    args = parser.parse_args(argv)
    pinned = _pin_to_one_cpu()
    print(f"python {sys.version.split()[0]}, orjson {orjson.__version__}, pinned to {pinned}")
    headline = 0.0
    for events, per_event in ((50, True), (1, True), (500, True), (50, False)):
        size = len(synthetic_batch(events))
        value, micros = ratio(events, per_event, args.repeats, args.seconds)
        mode = "per-event" if per_event else "batch"
        print(f"{events:>4} events {size / 1024:6.1f} KiB {mode:>9}: ", end="")
        print(f"{micros:8.1f} µs per batch, {value:.3f}x the floor")
        if events == 50 and per_event:
            headline = value
    return headline


if __name__ == "__main__":
    main()
