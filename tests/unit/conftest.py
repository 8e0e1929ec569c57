"""Fixtures of the unit tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.support.transforming import clear_settings_environment


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No variable of the settings model leaks in from the machine running the tests."""
    clear_settings_environment(monkeypatch)
