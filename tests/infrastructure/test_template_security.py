"""The security scanner's suppressions in the template (checkov, run by `make security`): each
one names a check and says why it does not apply."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import Template

pytestmark = pytest.mark.infrastructure


def _skips(source: Template) -> list[tuple[str, dict[str, Any]]]:
    return [
        (logical_id, skip)
        for logical_id, resource in source["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]


def test_every_checkov_suppression_names_a_check_and_says_why(source: Template) -> None:
    unjustified = [
        (logical_id, skip.get("id"))
        for logical_id, skip in _skips(source)
        if not str(skip.get("id", "")).startswith("CKV_")
        or len(str(skip.get("comment", "")).split()) < 8
    ]

    assert _skips(source)
    assert unjustified == []


def test_no_check_is_suppressed_twice_on_one_resource(source: Template) -> None:
    pairs = [(logical_id, skip["id"]) for logical_id, skip in _skips(source)]

    assert len(pairs) == len(set(pairs))
