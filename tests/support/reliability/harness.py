"""The accounting harness: send N SQS messages with known ids through the local event source
mapping and the real handler, apply a fault, drain the queue (redelivery included), then read
back the whole topic and the dead-letter queues and count, per message, what was lost and what
was duplicated, against the bound the run allows.

Every message is a logical id (its index) that survives a redrive re-send under a new SQS
message id. A valid message with k events makes k records (SEND_AS_BATCH=false), with dedup ids
`<body digest>:0..k-1`; every body names its logical id, so the digest maps back to it. Lost:
a valid message with a record in neither Kafka nor a dead-letter queue, or an invalid one not
dead-lettered. Duplicates: extra copies of a (message, n) record.
Bound: the records of every receive that was not acknowledged (a receive that failed, timed out
or died after sending may have written its records); receives are counted from SQS's
ApproximateReceiveCount, so a handler killed mid-batch is counted too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.kafka_records import body_digest
from handlers import container
from handlers.lambda_handler import handler
from handlers.local.event_source_mapping import LocalEventSourceMapping, MappingConfig, PollStats
from local_stack import StackInfo, read_topic
from local_stack.queues import peek_queue
from tests.support.deployment import Deployment, provision
from tests.support.reliability.proxy import FaultProxy

SCALE_ENV = "RELIABILITY_SCALE"  # "full" for make test-reliability; anything else: short
RESULTS_ENV = "RELIABILITY_RESULTS"  # a JSON-lines file every result is appended to
DEDUP_HEADER = "x-forwarder-dedup-id"
# Short visibility and function timeouts so that redelivery and deadlines happen in seconds.
FAST = MappingConfig(
    batch_size=10, batching_window_s=0.1, visibility_timeout_s=2, function_timeout_s=6.0
)


def full_scale() -> bool:
    return os.environ.get(SCALE_ENV, "").lower() == "full"


def size(short: int, full: int) -> int:
    """Messages for a scenario: `full` in make test-reliability, `short` in make test."""
    return full if full_scale() else short


@dataclass(frozen=True)
class Result:
    scenario: str
    messages: int
    lost: int
    duplicates: int
    bound: int
    seconds: float
    delivered: int = 0
    dead_lettered: int = 0
    invocations: int = 0
    failed_invocations: int = 0
    # Valid messages the forwarder itself dead-lettered (error-class set): always a bug here,
    # unlike valid messages SQS moved after maxReceiveCount receives during a long fault.
    rejected_valid: int = 0
    note: str = ""

    def line(self) -> str:
        return (
            f"{self.scenario:<38} {self.messages:>6} {self.lost:>4} {self.duplicates:>4} "
            f"{self.bound:>6} {self.seconds:>7.1f}s  {self.note}"
        ).rstrip()


RESULTS: list[Result] = []
TABLE_HEADER = f"{'scenario':<38} {'msgs':>6} {'lost':>4} {'dups':>4} {'bound':>6} {'time':>8}"


def record_result(result: Result) -> None:
    RESULTS.append(result)
    path = os.environ.get(RESULTS_ENV)
    if path:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(result)) + "\n")


def batch_body(logical: int, events: int, mpid: int | None = None) -> str:
    return json.dumps(
        {
            "mpid": 1_000_000 + logical if mpid is None else mpid,
            "batch_id": logical,
            "environment": "production",
            "events": [
                {"event_type": "custom_event", "data": {"n": n, "logical": logical}}
                for n in range(events)
            ],
        }
    )


@dataclass
class Harness(Deployment):
    """One scenario's deployment behind the fault proxy, and the accounting."""

    proxy: FaultProxy
    config: MappingConfig = FAST
    extra_dead_letter_queues: list[str] = field(default_factory=list)
    expected: dict[int, int] = field(default_factory=dict)  # logical id → records (0: invalid)
    logical_of: dict[str, int] = field(default_factory=dict)  # SQS message id → logical id
    logical_of_digest: dict[str, int] = field(default_factory=dict)  # body digest → logical id
    receives: dict[str, int] = field(default_factory=dict)  # SQS message id → receive count
    stats: list[PollStats] = field(default_factory=list)
    # Called with the invocation's number (1, 2, ...) just before the real handler runs: a
    # fault that must strike at a precise point of the run.
    on_invoke: Callable[[int], None] | None = None
    invoked: int = 0
    started: float = field(default_factory=time.monotonic)
    # (began, seconds, messages) of every in-process invocation: the Lambda time it billed.
    busy: list[tuple[float, float, int]] = field(default_factory=list)
    # FIFO: messages go round-robin into this many message groups, one user (mpid) per group.
    groups: int = 0

    # --- input -------------------------------------------------------------------------------
    def send(self, count: int, *, invalid_every: int = 0) -> list[int]:
        """Send `count` messages (1-3 events each; every `invalid_every`-th one not JSON); with
        `groups`, logical id i goes to message group `g<i % groups>` as user `mpid_of(i)`."""
        logical_ids = self._plan(count, invalid_every)
        for start in range(0, count, 10):
            self._send_chunk(logical_ids[start : start + 10])
        return logical_ids

    def send_streaming(self, count: int, *, backlog: int) -> None:
        """Send `count` valid messages while the mapping runs, never more than `backlog` ahead
        of what it has acknowledged: a steady stream rather than a flood. moto's SQS does work
        in proportion to the queue's depth on every call (its retention check re-reads every
        queue attribute for each message received), so a deep queue measures moto, not us."""
        logical_ids = self._plan(count, 0)
        before = self.acknowledged()
        for start in range(0, count, 10):
            while start - (self.acknowledged() - before) > backlog:
                time.sleep(0.005)
            self._send_chunk(logical_ids[start : start + 10])

    def mpid_of(self, logical: int) -> int:
        """The user of a logical id when messages go in groups: one per group."""
        return 1_000_000 + logical % self.groups

    def acknowledged(self) -> int:
        return sum(s.acknowledged for s in self.stats)

    def _plan(self, count: int, invalid_every: int) -> list[int]:
        first = len(self.expected)
        logical_ids = list(range(first, first + count))
        for logical in logical_ids:
            invalid = invalid_every and logical % invalid_every == invalid_every - 1
            self.expected[logical] = 0 if invalid else 1 + logical % 3
        return logical_ids

    def _send_chunk(self, logical_ids: list[int]) -> None:
        entries = []
        for logical in logical_ids:
            events = self.expected[logical]
            mpid = self.mpid_of(logical) if self.groups else None
            body = batch_body(logical, events, mpid) if events else f"not json {logical}"
            entry: dict[str, str] = {"Id": str(logical), "MessageBody": body}
            if self.groups:
                entry["MessageGroupId"] = f"g{logical % self.groups}"
            entries.append(entry)
            self.logical_of_digest[body_digest(body)] = logical
        answer = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        assert not answer.get("Failed"), answer.get("Failed")
        for ok in answer["Successful"]:
            self.logical_of[ok["MessageId"]] = int(ok["Id"])

    # --- running -----------------------------------------------------------------------------
    def handler(self, event: dict[str, Any], context: Any) -> Any:
        """The real handler, noting each record's receive count first."""
        for record in event["Records"]:
            count = int(record["attributes"].get("ApproximateReceiveCount", "1"))
            mid = record["messageId"]
            self.receives[mid] = max(self.receives.get(mid, 0), count)
        self.invoked += 1
        if self.on_invoke is not None:
            self.on_invoke(self.invoked)
        began = time.monotonic()
        try:
            return handler(event, context)
        finally:
            self.busy.append((began, time.monotonic() - began, len(event["Records"])))

    def invocations_between(self, start: float, end: float) -> list[tuple[float, int]]:
        """(seconds, messages) of the invocations that began between `start` and `end`."""
        return [(seconds, count) for began, seconds, count in self.busy if start <= began < end]

    def mapping(self, config: MappingConfig | None = None) -> LocalEventSourceMapping:
        return LocalEventSourceMapping(
            self.sqs, self.queue_url, self.handler, config or self.config
        )

    def run(
        self,
        fault: Callable[[Harness], None] | None = None,
        *,
        config: MappingConfig | None = None,
        max_seconds: float = 240.0,
    ) -> PollStats:
        """Poll in a background thread while `fault` runs here; then drain the queue."""
        mapping = self.mapping(config)
        self.stats.append(mapping.stats)
        stop = threading.Event()
        errors: list[BaseException] = []

        def poll() -> None:
            try:
                while not stop.is_set():
                    mapping.poll_once()
            except BaseException as exc:  # re-raised below, in the test's thread
                errors.append(exc)

        worker = threading.Thread(target=poll, name="local-esm", daemon=True)
        worker.start()
        try:
            if fault is not None:
                fault(self)
            self.wait_until(
                lambda: self.queue_depth() == 0 or not worker.is_alive(), max_seconds, step_s=1.0
            )
        finally:
            stop.set()
            worker.join(30)
        assert not worker.is_alive(), "the event source mapping did not stop"
        if errors:
            raise errors[0]
        return mapping.stats

    @staticmethod
    def wait_until(predicate: Callable[[], bool], timeout_s: float, step_s: float = 0.2) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout_s}s")
            time.sleep(step_s)

    def invocations(self) -> int:
        return sum(s.invocations for s in self.stats)

    # --- the handler in another process ------------------------------------------------------
    def spawn_worker(
        self, log: Path, output: Path, config: MappingConfig | None = None
    ) -> subprocess.Popen[bytes]:
        """`tests.support.reliability.worker`: the local ESM and real handler in a process of
        its own, logging each invocation's receive counts before the handler runs; its stdout
        and stderr go to `output`."""
        cfg = config or self.config
        argv = [
            sys.executable,
            "-m",
            "tests.support.reliability.worker",
            self.queue_url,
            str(log),
            "--batch-size",
            str(cfg.batch_size),
            "--batching-window",
            str(cfg.batching_window_s),
            "--visibility-timeout",
            str(cfg.visibility_timeout_s),
            "--function-timeout",
            str(cfg.function_timeout_s),
        ]
        with output.open("wb") as out:
            return subprocess.Popen(
                argv,
                env=dict(os.environ),
                cwd=Path(__file__).resolve().parents[3],
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def read_worker_log(self, log: Path) -> int:
        """Merge a worker's receive counts; returns how many invocations it began."""
        began = 0
        if not log.exists():
            return 0
        for line in log.read_text(encoding="utf-8").splitlines():
            if not line.endswith("}"):
                continue  # a line cut short by SIGKILL
            began += 1
            for mid, count in json.loads(line).items():
                self.receives[mid] = max(self.receives.get(mid, 0), int(count))
        return began

    # --- dead-letter queues ------------------------------------------------------------------
    def drain_queue(self, queue_url: str) -> list[dict[str, Any]]:
        """Receive every message of a queue (hidden for 10 minutes), without deleting."""
        return peek_queue(self.sqs, queue_url, hide_s=600)

    def redrive(self) -> int:
        """Bring the dead-letter queue's messages back to the source queue. moto 5.2.5 has no
        StartMessageMoveTask, so this does what it does: re-send each body (a new message id,
        mapped to the same logical id) and delete it from the dead-letter queue."""
        moved = 0
        for message in self.drain_queue(self.dlq_url):
            logical = self.logical_of[message["MessageId"]]
            sent = self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=message["Body"])
            self.logical_of[sent["MessageId"]] = logical
            self.sqs.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
        return moved

    # --- accounting --------------------------------------------------------------------------
    def account(self, scenario: str, note: str = "") -> Result:
        copies: Counter[tuple[int, int]] = Counter()
        for record in read_topic(self.stack, self.topic, timeout_s=120):
            dedup = dict(record.headers)[DEDUP_HEADER].decode()
            digest, n = dedup.rsplit(":", 1)
            copies[(self.logical_of_digest[digest], int(n))] += 1
        dead: set[int] = set()
        rejected: set[int] = set()  # dead-lettered by the forwarder, not by SQS's redrive
        for queue in [self.dlq_url, self.invalid_url, *self.extra_dead_letter_queues]:
            for message in self.drain_queue(queue):
                source = message.get("MessageAttributes", {}).get("source-message-id")
                logical = self.logical_of[source["StringValue"] if source else message["MessageId"]]
                dead.add(logical)
                if source:
                    rejected.add(logical)
        receives: Counter[int] = Counter()
        for mid, count in self.receives.items():
            receives[self.logical_of[mid]] += count
        lost = delivered = bound = 0
        for logical, records in self.expected.items():
            in_kafka = records > 0 and all(copies[(logical, n)] for n in range(records))
            delivered += in_kafka
            if not in_kafka and logical not in dead:
                lost += 1
            bound += records * max(0, receives[logical] - 1)
        duplicates = sum(count - 1 for count in copies.values() if count > 1)
        result = Result(
            scenario=scenario,
            messages=len(self.expected),
            lost=lost,
            duplicates=duplicates,
            bound=bound,
            seconds=round(time.monotonic() - self.started, 1),
            delivered=delivered,
            dead_lettered=len(dead),
            invocations=self.invocations(),
            failed_invocations=sum(s.failed_invocations for s in self.stats),
            rejected_valid=sum(1 for logical in rejected if self.expected[logical]),
            note=note,
        )
        record_result(result)
        return result

    def valid(self) -> int:
        return sum(1 for records in self.expected.values() if records)


def new_harness(
    stack: StackInfo,
    proxy: FaultProxy,
    setenv: Callable[[str, str], None],
    *,
    password: str | None = None,
    username: str | None = None,
    dead_letter_queue_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    groups: int = 0,
) -> Harness:
    """A fresh deployment whose broker address is the proxy's, and a fresh container; with
    `groups`, its queues are FIFO and messages are sent in that many message groups."""
    assert stack.bootstrap.proxied is not None, "the stack was started without proxied=True"
    user = stack.credentials("SCRAM-SHA-512")
    env = {"SEND_AS_BATCH": "false", "POWERTOOLS_LOG_LEVEL": "WARNING"}
    if dead_letter_queue_url:
        env["DEAD_LETTER_QUEUE_URL"] = dead_letter_queue_url
    deployment = provision(
        stack,
        setenv,
        prefix="rel",
        bootstrap=stack.bootstrap.proxied,
        secret={"username": username or user.username, "password": password or user.password},
        env=env | (extra_env or {}),
        fifo=groups > 0,
    )
    container.reset()
    return Harness(**vars(deployment), proxy=proxy, groups=groups)


def summary_line(results: Iterable[Result]) -> str:
    listed = list(results)
    return (
        f"reliability: {sum(r.messages for r in listed)} messages, "
        f"{sum(r.lost for r in listed)} lost, {sum(r.duplicates for r in listed)} duplicates "
        f"(bound {sum(r.bound for r in listed)})"
    )
