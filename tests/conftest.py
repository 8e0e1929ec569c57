"""Session fixtures shared by every test folder: the real local stack (Kafka and moto)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

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
from local_stack import StackInfo


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
    """AWS_ENDPOINT_URL, region and dummy credentials of the stack's moto in the environment."""
    for name, value in local_stack.env_vars(stack).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    return stack
