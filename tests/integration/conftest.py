"""The handler's integration tests: each one on the real local stack, in a new Lambda container.
Their fixtures (`stack`, `aws_env`, `deploy`, `fresh_container`) are in tests/conftest.py; the
built package (`built_package`) is here, made once for the emulator tests and the bench."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cold_start import build


@pytest.fixture(autouse=True)
def new_container_per_test(fresh_container: None) -> None:
    """Each test is a new Lambda container: nothing cached from the one before."""


@pytest.fixture(scope="session")
def built_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The emulator, awslambdaric on python3.13 (cached in .cache/) and a fresh package, as
    `sam build` makes it (with the bench's minimal handler module beside the forwarder's)."""
    return build(tmp_path_factory.mktemp("lambda") / "ForwarderFunction")
