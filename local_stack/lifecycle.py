"""Start and stop the whole stack; a start cleans up whatever a crashed run left behind."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from local_stack import broker, jars, moto, procs, state
from local_stack.certs import make_tls_files
from local_stack.config import USERS, BrokerLayout
from local_stack.readiness import is_healthy, layout, wait_broker
from local_stack.state import Bootstrap, Ports, StackError, StackInfo

TOPIC = "mparticle-events"
# Set to 1 to start the stack with the PROXIED listener (fault-injection tests), as proxied=True.
PROXIED_ENV = "FORWARDER_STACK_PROXIED"


@contextlib.contextmanager
def locked(state_dir: str | Path) -> Iterator[None]:
    """One start, stop or broker restart at a time per state folder (e.g. two test sessions)."""
    folder = Path(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def in_use(state_dir: str | Path | None = None) -> Iterator[None]:
    """Claim the stack, shared with other claimants, while the block runs (a test session)."""
    folder = state.state_dir(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".users").open("w") as claim:
        fcntl.flock(claim, fcntl.LOCK_SH)
        yield


def stop_unless_in_use(state_dir: str | Path | None = None) -> bool:
    """Stop the stack unless someone else holds a claim on it (`in_use`); True if stopped."""
    folder = state.state_dir(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".users").open("w") as claim:
        try:
            fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        stop(folder)
    return True


def load(state_dir: str | Path | None = None) -> StackInfo | None:
    """The stack recorded in the state folder (running or not), or None."""
    return state.load(state_dir)


def start(state_dir: str | Path | None = None, *, proxied: bool | None = None) -> StackInfo:
    """Start the stack and return once Kafka takes a SASL_SSL login and moto answers.

    A healthy running stack is reused as it is; anything else in the state folder is cleaned up.
    With proxied=True (default: $FORWARDER_STACK_PROXIED is 1) the broker also gets the PROXIED
    listener, advertised at a port of its own for a fault-injection proxy (`ports.proxy`); a
    running stack without it is started afresh.
    """
    if proxied is None:
        proxied = os.environ.get(PROXIED_ENV, "") in ("1", "true", "yes")
    folder = state.state_dir(state_dir)
    with locked(folder):
        try:
            current = state.load(folder)
        except StackError:
            current = None  # unreadable: nothing we can stop by PID
        if (
            current is not None
            and is_healthy(current)
            and (not proxied or current.ports.proxied is not None)
        ):
            return current
        _stop_processes(current)
        state.remove(folder)
        return _start_fresh(folder, proxied=proxied)


def _start_fresh(folder: Path, *, proxied: bool = False) -> StackInfo:
    began = time.monotonic()
    jar_dir = jars.ensure_jars()
    picked = procs.free_ports(8 if proxied else 6)
    ports = Ports(*picked[:6], *(picked[6:8] if proxied else ()))
    files = BrokerLayout(folder / "kafka")
    endpoint = f"http://127.0.0.1:{ports.moto}"
    moto_log = folder / "moto.log"
    moto_log.unlink(missing_ok=True)
    shutil.rmtree(folder / "tls", ignore_errors=True)
    moto_pid = moto.launch(ports.moto, moto_log)  # first: its imports take seconds
    info = StackInfo(
        state_dir=str(folder),
        kafka_version=jars.kafka_version(),
        ports=ports,
        broker_pid=None,
        moto_pid=moto_pid,
        bootstrap=Bootstrap(
            sasl_ssl=f"localhost:{ports.sasl_ssl}",
            ssl=f"localhost:{ports.ssl}",
            wronghost=f"localhost:{ports.wronghost}",
            plaintext=f"127.0.0.1:{ports.plaintext}",
            proxied=f"localhost:{ports.proxy}" if ports.proxy is not None else None,
        ),
        ca_file=str(folder / "tls" / "ca.pem"),
        rogue_ca_file=str(folder / "tls" / "rogue-ca.pem"),
        users=dict(USERS),
        aws_endpoint_url=endpoint,
        region=moto.REGION,
        queue_url="",
        dlq_url="",
        secret_id=moto.SECRET_ID,
        topic=TOPIC,
        broker_log=str(files.log),
        moto_log=str(moto_log),
        ready=False,
        start_seconds=0.0,
    )
    state.save(info)  # from here on, a crash leaves PIDs the next start can clean up
    try:
        tls = make_tls_files(folder / "tls")
        broker.prepare(files, jar_dir, tls, ports)
        info = dataclasses.replace(info, broker_pid=broker.launch(files, jar_dir))
        state.save(info)
        moto.wait_ready(moto_pid, endpoint, moto_log)
        aws = moto.create_resources(endpoint, info.credentials("SCRAM-SHA-512"))
        wait_broker(info, create_topic=True)
    except BaseException:
        _stop_processes(info)
        state.save(dataclasses.replace(info, broker_pid=None, moto_pid=None))
        raise
    info = dataclasses.replace(
        info,
        queue_url=aws.queue_url,
        dlq_url=aws.dlq_url,
        invalid_url=aws.invalid_url,
        ready=True,
        start_seconds=round(time.monotonic() - began, 2),
    )
    state.save(info)
    return info


def _stop_processes(info: StackInfo | None) -> None:
    if info is None:
        return
    procs.terminate(info.broker_pid, *broker.markers(layout(info)))
    procs.terminate(info.moto_pid, *moto.markers(info.ports.moto))


def stop(state_dir: str | Path | None = None) -> StackInfo | None:
    """Stop the processes recorded in the state folder (only those, by PID); return what it was.

    Logs and certificates stay in the folder for inspection; the next start replaces them."""
    folder = state.state_dir(state_dir)
    with locked(folder):
        try:
            info = state.load(folder)
        except StackError:
            info = None
        _stop_processes(info)
        state.remove(folder)
    return info


# The retry backoff on the local stack's scale (its queues hide a message for seconds, not
# minutes): a retried message comes back after 1-2 s, then 2-4 s, instead of the deployed 15 s to
# 15 minutes. Each receive cycle (invocation, then delay) still outlasts the 2 s visibility timeout
# the local tools use, so a local outage takes at least as many seconds to exhaust 5 receives as
# it did without the backoff.
LOCAL_BACKOFF = {"RETRY_BACKOFF_BASE_SECONDS": "2", "RETRY_BACKOFF_MAX_SECONDS": "4"}


def env_vars(info: StackInfo) -> dict[str, str]:
    """The environment the forwarder and boto3 need to run against this stack."""
    return {
        "AWS_ENDPOINT_URL": info.aws_endpoint_url,
        "AWS_REGION": info.region,
        "AWS_DEFAULT_REGION": info.region,
        **moto.DUMMY_CREDENTIALS,
        "KAFKA_BOOTSTRAP_SERVERS": info.bootstrap.sasl_ssl,
        "KAFKA_TOPIC": info.topic,
        "KAFKA_AUTH_METHOD": "SCRAM-SHA-512",
        "KAFKA_SECRET_ID": info.secret_id,
        "KAFKA_CA_BUNDLE": info.ca_file,
        "DEAD_LETTER_QUEUE_URL": info.invalid_url,
        **LOCAL_BACKOFF,
    }
