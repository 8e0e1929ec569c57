"""Fixtures of the unit tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from adapters.secrets import holds_certificates
from core.trace_context import traceparent
from tests.support.transforming import clear_settings_environment


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No variable of the settings model leaks in from the machine running the tests."""
    clear_settings_environment(monkeypatch)


@pytest.fixture(autouse=True)
def _uncached_conversions() -> None:
    """Every test runs the pure conversions the product caches, not a result an earlier test
    left in the cache (mutation testing runs each mutant in a process the clean run warmed)."""
    traceparent.cache_clear()
    holds_certificates.cache_clear()
