"""Is the stack up? Health checks, and bounded waits for the broker to come up or go away."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from local_stack import broker, clients, moto, procs
from local_stack.config import BrokerLayout
from local_stack.state import Ports, StackError, StackInfo

TOPIC_PARTITIONS = 3
BROKER_TIMEOUT_S = 90.0  # a cold JVM on a 2-core machine needs about 5 s; leave room for a slow CI


def layout(info: StackInfo) -> BrokerLayout:
    return BrokerLayout(Path(info.state_dir) / "kafka")


def _checks(info: StackInfo) -> dict[str, Callable[[], bool]]:
    files = layout(info)
    return {
        "started": lambda: info.ready,
        # A stack started before the MTLS and LEGACY listeners existed is started afresh.
        "MTLS, LEGACY and IAM listeners": lambda: info.ports.iam is not None,
        # ...and one started before the broker had an authorizer (ACL tests need it).
        "authorizer": lambda: _has_authorizer(files),
        "broker process": lambda: procs.is_ours(info.broker_pid, *broker.markers(files)),
        "moto process": lambda: procs.is_ours(info.moto_pid, *moto.markers(info.ports.moto)),
        "moto answers": lambda: moto.answers(info.aws_endpoint_url),
        "SASL_SSL SCRAM-SHA-512 login": lambda: clients.sasl_ssl_answers(info),
    }


def _has_authorizer(files: BrokerLayout) -> bool:
    try:
        return "authorizer.class.name=" in files.properties.read_text(encoding="utf-8")
    except OSError:
        return False


def health(info: StackInfo) -> dict[str, bool]:
    """Each check `start` relies on, by name."""
    return {name: check() for name, check in _checks(info).items()}


def is_healthy(info: StackInfo) -> bool:
    """All checks pass; stops at the first failure (a dead broker costs no login timeout)."""
    return all(check() for check in _checks(info).values())


def wait_broker(
    info: StackInfo, timeout_s: float = BROKER_TIMEOUT_S, *, create_topic: bool = False
) -> None:
    """Wait for the listeners, then for a SCRAM-SHA-512 login that reads the topic's metadata;
    fail early if java exits. A fresh broker gets its topic once the PLAINTEXT port is open."""
    files = layout(info)
    deadline = time.monotonic() + timeout_s

    def check() -> None:
        if info.broker_pid is None or not procs.is_alive(info.broker_pid):
            raise StackError(f"the Kafka broker exited during start-up\n{broker.log_tail(files)}")
        if time.monotonic() > deadline:
            raise StackError(
                f"the Kafka broker did not accept a SASL_SSL login within {timeout_s:.0f}s; "
                f"see {files.log}\n{broker.log_tail(files)}"
            )

    while not (procs.port_open(info.ports.plaintext) and procs.port_open(info.ports.sasl_ssl)):
        check()
        time.sleep(0.1)
    if create_topic:
        clients.create_topic(info, info.topic, TOPIC_PARTITIONS)
    while not clients.sasl_ssl_answers(info):
        check()
        time.sleep(0.2)


def wait_ports_closed(ports: Ports, timeout_s: float = 10.0) -> None:
    """Until no broker port accepts: a restart must not mistake the old sockets for the new."""
    deadline = time.monotonic() + timeout_s
    broker_ports: tuple[int, ...] = (
        ports.sasl_ssl,
        ports.ssl,
        ports.wronghost,
        ports.plaintext,
        ports.controller,
    )
    optional = (ports.proxied, ports.mtls, ports.legacy_tls, ports.iam)
    broker_ports += tuple(port for port in optional if port is not None)
    while any(procs.port_open(port) for port in broker_ports):
        if time.monotonic() > deadline:
            raise StackError(f"broker ports {broker_ports} still accept after the broker stopped")
        time.sleep(0.05)
