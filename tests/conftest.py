"""Fixtures shared by every test folder: the real local stack (Kafka and moto), the environment
that points boto3 and the handler at it, a fresh Lambda container, and per-test deployments."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# kafka-python 3.0.12 loads its protocol schemas with importlib.resources.read_text when `kafka`
# is first imported; Python 3.11 deprecates that call (3.13 un-deprecates it). Import it once
# here, before any test module or conftest below does, with exactly that warning ignored.
with warnings.catch_warnings():
    for call, caller in [
        ("read_text", "kafka.protocol.schemas.load_json"),
        ("open_text", "importlib.resources._legacy"),  # read_text's own call of open_text
    ]:
        warnings.filterwarnings(
            "ignore", f"{call} is deprecated", DeprecationWarning, module=caller
        )
    import kafka  # noqa: F401

import local_stack
from handlers import container
from local_stack import StackInfo
from tests.support.deployment import Deployment, aws_environment, provision
from tests.support.runtimes import runs_on_lambda_python, suite_python_line


def pytest_report_header() -> list[str]:
    return [suite_python_line()]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fallback warning again at the end, where a reader of CI output looks."""
    if not runs_on_lambda_python():
        terminalreporter.write_line(suite_python_line(), yellow=True, bold=True)


@pytest.fixture(scope="session")
def stack() -> Iterator[StackInfo]:
    """The running local stack: a healthy one is reused and left running; otherwise one is
    started for the session and stopped at its end, unless another session still uses it. A
    stack that cannot start fails the tests that need it (never a skip)."""
    with local_stack.in_use():
        existing = local_stack.load()
        if existing is not None and local_stack.is_healthy(existing):
            yield existing
            return
        yield local_stack.start()
    local_stack.stop_unless_in_use()


@pytest.fixture
def aws_env(stack: StackInfo, monkeypatch: pytest.MonkeyPatch) -> StackInfo:
    """Point boto3 at moto through AWS_ENDPOINT_URL, as a user of the local stack would (region
    and dummy credentials too), with the Powertools variables Lambda sets."""
    for name, value in aws_environment(stack).items():
        monkeypatch.setenv(name, value)
    return stack


@pytest.fixture
def fresh_container() -> Iterator[None]:
    """The test is a new Lambda container: nothing cached from the one before, nor kept after.
    Every integration test uses it (tests/integration/conftest.py)."""
    container.reset()
    yield
    container.reset()


@pytest.fixture
def deploy(
    aws_env: StackInfo, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Deployment]]:
    """Build a deployment for a mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, NONE, MTLS or
    AWS_MSK_IAM, on the listener that takes it); `secret` replaces the secret's value; `fifo`
    makes the queues FIFO. Its clients are closed after the test."""
    built: list[Deployment] = []

    def build(
        mechanism: str = "SCRAM-SHA-512",
        secret: dict[str, str] | None = None,
        *,
        fifo: bool = False,
        **overrides: str,
    ) -> Deployment:
        stack = aws_env
        listeners = {
            "NONE": stack.bootstrap.ssl,
            "MTLS": stack.bootstrap.mtls,
            "AWS_MSK_IAM": stack.bootstrap.iam,
        }
        bootstrap = listeners.get(mechanism, stack.bootstrap.sasl_ssl)
        assert bootstrap is not None
        deployment = provision(
            stack,
            monkeypatch.setenv,
            prefix="t",
            bootstrap=bootstrap,
            mechanism=mechanism,
            secret=secret,
            env=overrides,
            fifo=fifo,
        )
        built.append(deployment)
        return deployment

    yield build
    for deployment in built:
        deployment.close()
