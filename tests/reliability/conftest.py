"""Fixtures for the fault scenarios: a local stack of their own with the PROXIED listener, the
fault proxy in front of it, and a fresh deployment (topic, queues, secret, container) per test.
The results are listed at the end of the session."""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import local_stack
from handlers import container
from local_stack import StackInfo
from tests.support.deployment import aws_environment
from tests.support.reliability.harness import (
    RESULTS,
    TABLE_HEADER,
    Harness,
    new_harness,
    summary_line,
)
from tests.support.reliability.proxy import FaultProxy

# The fault stack's state folder; by default a temporary one, so that the shared stack of the
# other tests (FORWARDER_STACK_DIR or .stack) is never restarted or disturbed.
STACK_DIR_ENV = "RELIABILITY_STACK_DIR"


@pytest.fixture(scope="session")
def proxied_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackInfo]:
    """A stack of its own whose broker also has the PROXIED listener; stopped at the end."""
    folder = Path(os.environ.get(STACK_DIR_ENV) or tmp_path_factory.mktemp("reliability-stack"))
    try:
        yield local_stack.start(folder, proxied=True)
    finally:
        local_stack.stop(folder)


@pytest.fixture(scope="session")
def fault_proxy(proxied_stack: StackInfo) -> Iterator[FaultProxy]:
    ports = proxied_stack.ports
    assert ports.proxy is not None
    assert ports.proxied is not None
    with FaultProxy(ports.proxy, ports.proxied) as proxy:
        yield proxy


@pytest.fixture
def build_harness(
    proxied_stack: StackInfo, fault_proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Harness]]:
    """Build a deployment behind the proxy; the proxy is healed and the container closed after."""
    for name, value in aws_environment(proxied_stack).items():
        monkeypatch.setenv(name, value)

    built: list[Harness] = []

    def build(**options: Any) -> Harness:
        built.append(new_harness(proxied_stack, fault_proxy, monkeypatch.setenv, **options))
        return built[-1]

    yield build
    fault_proxy.heal()
    for harness in built:
        harness.close()
    # kafka-python 3.0.12 leaks the plain socket of a connection that the proxy broke before
    # the TLS handshake (the same leak pyproject.toml tolerates for a refused connect, but
    # bound to 127.0.0.1): collect it here, tolerating exactly sockets connected to the proxy.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            r"unclosed <socket\.socket fd=\d+, family=\d+, type=\d+, proto=\d+, "
            rf"laddr=\('127\.0\.0\.1', \d+\), raddr=\('127\.0\.0\.1', {fault_proxy.listen_port}\)>",
            ResourceWarning,
        )
        container.reset()
        gc.collect()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    terminalreporter.section("reliability accounting")
    terminalreporter.write_line(TABLE_HEADER)
    for result in RESULTS:
        terminalreporter.write_line(result.line())
    terminalreporter.write_line(summary_line(RESULTS))
