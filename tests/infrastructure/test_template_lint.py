"""cfn-lint on the SAM template as written and on its offline SAM translation."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint

from tests.support.cfn import TEMPLATE, Template

pytestmark = pytest.mark.infrastructure

# Informational checks too (e.g. I3011: stateful resources say what happens on delete).
CONFIG = ManualArgs(include_checks=["I"], regions=["us-east-1", "eu-west-1"])


def test_sam_template_is_cfn_lint_clean() -> None:
    matches = lint(TEMPLATE.read_text(encoding="utf-8"), config=CONFIG)

    assert [str(match) for match in matches] == []


def test_translated_template_is_cfn_lint_clean(translated: Template) -> None:
    # cfn-lint validates SAM resources against SAM's schema only; the translated CloudFormation
    # is where references inside the generated event source mapping and role are checked.
    matches = lint(json.dumps(translated), config=CONFIG)

    assert [str(match) for match in matches] == []
