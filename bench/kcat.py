"""The handler in batch mode against kcat (librdkafka, C) producing the same values, in MB/s.

kcat gets the same SASL_SSL listener, CA, acks=all and idempotence, and reads the values one per
line (orjson writes no newline). It logs in with SASL PLAIN: Debian's kcat links librdkafka 2.0.2,
whose SCRAM is rejected by Kafka 4.x brokers (a client-nonce bug fixed in librdkafka 2.6.1,
confluentinc/librdkafka#4895, edenhill/kcat#462); the mechanism only changes the login, not the
produce path. A kcat run includes its process start and connection set-up, so the values are
sized to make that a small share.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from typing import Any

from bench.deploy import deploy, events, records
from bench.e2e import Handler
from local_stack import StackInfo

KCAT_MECHANISM = "PLAIN"


def kcat_version() -> str:
    """kcat's and librdkafka's versions as kcat reports them."""
    answer = subprocess.run(["kcat", "-V"], capture_output=True, text=True, check=True)
    return next((line for line in answer.stdout.splitlines() if line.startswith("Version")), "?")


def kcat_command(info: StackInfo, topic: str, path: str) -> list[str]:
    user = info.credentials(KCAT_MECHANISM)
    settings = {
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": KCAT_MECHANISM,
        "sasl.username": user.username,
        "sasl.password": user.password,
        "ssl.ca.location": info.ca_file,
        "acks": "all",
        "enable.idempotence": "true",
    }
    options = [part for name, value in settings.items() for part in ("-X", f"{name}={value}")]
    return ["kcat", "-P", "-b", info.bootstrap.sasl_ssl, "-t", topic, *options, "-l", path]


def run_kcat(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(
    info: StackInfo, invocations: int = 20, repeats: int = 5, batch_events: int = 50
) -> dict[str, Any]:
    """MB/s of the handler (batch mode, 10 SQS records of ~57 KB per event) ÷ kcat's."""
    if shutil.which("kcat") is None:
        raise RuntimeError("kcat is not installed (make bench installs the Debian package)")
    env = deploy(info, send_as_batch=True)
    sqs_events = events(invocations, 10, batch_events)
    values = [record.value for record in records(sqs_events, send_as_batch=True)]
    total_mb = sum(map(len, values)) / 1e6
    handler = Handler()
    handler.warm(events(1, 10, batch_events)[0])
    with tempfile.NamedTemporaryFile("wb", suffix=".values", delete=False) as file:
        file.write(b"\n".join(values) + b"\n")
    command = kcat_command(info, env["KAFKA_TOPIC"], file.name)
    try:
        run_kcat(command)  # warm the page cache and the broker's log segment
        ratios, ours_rates, kcat_rates = [], [], []
        for repeat in range(repeats):
            if repeat % 2:
                kcat_s = run_kcat(command)
                ours = handler.run(sqs_events)
            else:
                ours = handler.run(sqs_events)
                kcat_s = run_kcat(command)
            if ours.records != len(values):
                raise RuntimeError(f"{ours.records} records produced, {len(values)} expected")
            ours_rates.append(total_mb / ours.seconds)
            kcat_rates.append(total_mb / kcat_s)
            ratios.append(ours_rates[-1] / kcat_rates[-1])
    finally:
        os.unlink(file.name)
    return {
        "mb_s_vs_kcat_batch": statistics.median(ratios),
        "handler_batch_mb_s": statistics.median(ours_rates),
        "kcat_mb_s": statistics.median(kcat_rates),
        "kcat_mb_per_pass": total_mb,
        "kcat_values_per_pass": len(values),
        "kcat_mechanism": KCAT_MECHANISM,
        "kcat_version": kcat_version(),
    }
