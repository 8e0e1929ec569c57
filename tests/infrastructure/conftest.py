"""Fixtures of the template tests: the source template, its offline SAM translation, and
parameter values for the common deployments (a plain one, and one with every option on)."""

from __future__ import annotations

import pytest

from tests.support.cfn import (
    EVERYTHING,
    REQUIRED,
    Rendered,
    Template,
    load_source,
    translate,
)


@pytest.fixture(scope="session")
def source() -> Template:
    return load_source()


@pytest.fixture(scope="session")
def translated(source: Template) -> Template:
    return translate(source)


@pytest.fixture
def plain(translated: Template) -> Rendered:
    """The translated template for a deployment with only the required values given."""
    return Rendered(translated, REQUIRED)


@pytest.fixture
def everything(translated: Template) -> Rendered:
    """The translated template with the KMS key, the VPC and the alarm topic given."""
    return Rendered(translated, EVERYTHING)
