"""samconfig.toml: its environments deploy this template with values the template accepts, the
same for every SAM command, and the default environment says what the template's defaults say."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from tests.support.cfn import SAMCONFIG, Template, load_source

pytestmark = pytest.mark.infrastructure

CONFIG: dict[str, Any] = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
ENVIRONMENTS = ["default", "prod"]
PLACEHOLDER = "EDIT-ME"


def _overrides(environment: str) -> dict[str, str]:
    entries = CONFIG[environment]["global"]["parameters"]["parameter_overrides"]
    return dict(entry.split("=", 1) for entry in entries)


def _violations(spec: dict[str, Any], value: str) -> list[str]:
    problems = []
    if "AllowedValues" in spec and value not in {str(v) for v in spec["AllowedValues"]}:
        problems.append("not an allowed value")
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
        problems.append("does not match the pattern")
    if "MinValue" in spec and float(value) < float(spec["MinValue"]):
        problems.append("below MinValue")
    if "MaxValue" in spec and float(value) > float(spec["MaxValue"]):
        problems.append("above MaxValue")
    return problems


@pytest.fixture(scope="module")
def parameters() -> dict[str, Any]:
    template: Template = load_source()
    declared: dict[str, Any] = template["Parameters"]
    return declared


def test_samconfig_is_version_0_1_with_a_default_and_a_prod_environment() -> None:
    assert CONFIG["version"] == 0.1
    assert {"default", "prod"} <= set(CONFIG)


def test_environments_deploy_different_stacks() -> None:
    names = {CONFIG[env]["global"]["parameters"]["stack_name"] for env in ENVIRONMENTS}

    assert len(names) == len(ENVIRONMENTS)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_environment_deploys_with_iam_capability_a_managed_bucket_and_a_confirmed_changeset(
    environment: str,
) -> None:
    deploy = CONFIG[environment]["deploy"]["parameters"]

    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    assert deploy["confirm_changeset"] is True


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_overrides_name_only_template_parameters(
    environment: str, parameters: dict[str, Any]
) -> None:
    assert set(_overrides(environment)) - set(parameters) == set()


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_override_values_satisfy_the_parameter_constraints(
    environment: str, parameters: dict[str, Any]
) -> None:
    problems = {
        name: _violations(parameters[name], value)
        for name, value in _overrides(environment).items()
        if value != PLACEHOLDER
    }

    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_placeholders_are_rejected_by_the_template_until_edited(
    environment: str, parameters: dict[str, Any]
) -> None:
    placeholders = [name for name, value in _overrides(environment).items() if value == PLACEHOLDER]

    assert placeholders
    assert [name for name in placeholders if not _violations(parameters[name], PLACEHOLDER)] == []


def test_prod_alarms_notify_a_topic() -> None:
    assert "AlarmTopicArn" in _overrides("prod")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_parameters_are_global_so_sync_deploy_and_remote_invoke_share_them(
    environment: str,
) -> None:
    # A command-specific parameter_overrides would win over the global one for that command
    # only: `sam sync` deployed with no parameters when they were under deploy alone.
    commands = {name for name in CONFIG[environment] if name != "global"}
    local = [c for c in commands if "parameter_overrides" in CONFIG[environment][c]["parameters"]]

    assert "parameter_overrides" in CONFIG[environment]["global"]["parameters"]
    assert local == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_environment_gives_every_parameter_the_template_requires(
    environment: str, parameters: dict[str, Any]
) -> None:
    required = {name for name, spec in parameters.items() if "Default" not in spec}

    assert required - set(_overrides(environment)) == set()


def test_default_environment_gives_the_template_defaults(parameters: dict[str, Any]) -> None:
    differing = {
        name: (value, str(parameters[name]["Default"]))
        for name, value in _overrides("default").items()
        if "Default" in parameters[name]
        and value != str(parameters[name]["Default"])
        and value != PLACEHOLDER
    }

    assert differing == {}
