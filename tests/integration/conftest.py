"""The handler's integration tests: each one on the real local stack, in a new Lambda container.
Their fixtures (`stack`, `aws_env`, `deploy`, `fresh_container`) are in tests/conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def new_container_per_test(fresh_container: None) -> None:
    """Each test is a new Lambda container: nothing cached from the one before."""
