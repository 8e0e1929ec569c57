"""The function of the translated template: runtime, build, environment (tied to the settings
model), tracing and network."""

from __future__ import annotations

from typing import Any

import pytest

from core.settings import METADATA_FIELDS, AuthMethod, Settings, load_settings
from tests.support.cfn import (
    EVERYTHING,
    REQUIRED,
    Rendered,
    Template,
    load_source,
    parameter,
)

pytestmark = pytest.mark.infrastructure

FUNCTION = "ForwarderFunction"
POWERTOOLS = "POWERTOOLS_"
EXCLUSIONS = parameter(load_source(), "MetadataFieldExclusion")["AllowedValues"]
DLQ_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/forwarder-dlq"


def _environment(rendered: Rendered) -> dict[str, Any]:
    variables: dict[str, Any] = rendered.properties(FUNCTION)["Environment"]["Variables"]
    return variables


def _settings_environment(rendered: Rendered) -> dict[str, str]:
    """The variables the settings model reads, as Lambda would set them (the queue URL, which
    has no value offline, replaced by an example)."""
    environment = {
        name: value
        for name, value in _environment(rendered).items()
        if not name.startswith(POWERTOOLS)
    }
    assert environment.pop("DEAD_LETTER_QUEUE_URL") == {"Ref": "InvalidMessageQueue"}
    return {**environment, "DEAD_LETTER_QUEUE_URL": DLQ_URL}


def _load_from_environment(monkeypatch: pytest.MonkeyPatch, variables: dict[str, str]) -> Settings:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return load_settings("lambda")


def test_function_runs_python_3_13(plain: Rendered) -> None:
    assert plain.properties(FUNCTION)["Runtime"] == "python3.13"


def test_function_handler_is_the_lambda_handler_module(plain: Rendered) -> None:
    assert plain.properties(FUNCTION)["Handler"] == "handlers.lambda_handler.handler"


def test_function_is_built_by_the_makefile_from_src(source: Template) -> None:
    function = source["Resources"][FUNCTION]

    assert function["Metadata"]["BuildMethod"] == "makefile"
    assert function["Properties"]["CodeUri"] == "src/"


def test_architecture_defaults_to_arm64(plain: Rendered, translated: Template) -> None:
    assert plain.properties(FUNCTION)["Architectures"] == ["arm64"]
    assert set(parameter(translated, "Architecture")["AllowedValues"]) == {"arm64", "x86_64"}


def test_tracing_is_active(plain: Rendered) -> None:
    assert plain.properties(FUNCTION)["TracingConfig"] == {"Mode": "Active"}


def test_function_environment_is_exactly_the_settings_fields(plain: Rendered) -> None:
    # Fails when a field is added to (or removed from) the settings model without the template
    # following, or the other way round. POWERTOOLS_* are Powertools' own variables.
    variables = {name for name in _environment(plain) if not name.startswith(POWERTOOLS)}

    assert variables == {name.upper() for name in Settings.model_fields}


def test_every_setting_but_the_queue_url_is_set_from_a_parameter(source: Template) -> None:
    variables = source["Resources"][FUNCTION]["Properties"]["Environment"]["Variables"]

    from_parameters = {
        name
        for name, value in variables.items()
        if isinstance(value, dict) and value.get("Ref") in source["Parameters"]
    }

    assert set(variables) - from_parameters == {"DEAD_LETTER_QUEUE_URL"}
    assert variables["DEAD_LETTER_QUEUE_URL"] == {"Ref": "InvalidMessageQueue"}


def test_powertools_variables_are_set_from_parameters(translated: Template) -> None:
    rendered = Rendered(
        translated,
        {**REQUIRED, "ServiceName": "fwd", "MetricsNamespace": "Fwd", "LogLevel": "DEBUG"},
    )

    powertools = {
        name: value for name, value in _environment(rendered).items() if name.startswith(POWERTOOLS)
    }

    assert powertools == {
        "POWERTOOLS_SERVICE_NAME": "fwd",
        "POWERTOOLS_METRICS_NAMESPACE": "Fwd",
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
    }


def test_template_defaults_are_the_settings_model_defaults(
    plain: Rendered, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_template = _load_from_environment(monkeypatch, _settings_environment(plain))

    model_defaults = load_settings(
        "lambda",
        {
            "kafka_bootstrap_servers": REQUIRED["KafkaBootstrapServers"],
            "kafka_topic": REQUIRED["KafkaTopic"],
            "kafka_secret_id": REQUIRED["KafkaSecretArn"],
            "dead_letter_queue_url": DLQ_URL,
        },
    )

    assert from_template.model_dump() == model_defaults.model_dump()


@pytest.mark.parametrize("exclusion", EXCLUSIONS)
def test_every_allowed_setting_value_is_accepted_by_the_settings_model(
    translated: Template, monkeypatch: pytest.MonkeyPatch, exclusion: str
) -> None:
    # The non-default end of every closed parameter (the defaults are tested above).
    values: dict[str, str | list[str]] = {
        **EVERYTHING,
        "KafkaAuthMethod": "NONE",
        "MetadataFieldExclusion": exclusion,
    }
    for name, spec in translated["Parameters"].items():
        if spec.get("AllowedValues") == ["true", "false"]:
            values[name] = "false" if spec["Default"] == "true" else "true"
    rendered = Rendered(translated, values)

    settings = _load_from_environment(monkeypatch, _settings_environment(rendered))

    assert settings.metadata_field_exclusion == frozenset(filter(None, exclusion.split(",")))
    assert settings.kafka_auth_method is AuthMethod.NONE


def test_auth_method_parameter_allows_exactly_the_models_auth_methods(
    translated: Template,
) -> None:
    allowed = parameter(translated, "KafkaAuthMethod")["AllowedValues"]

    assert set(allowed) == {method.value for method in AuthMethod}


def test_metadata_exclusion_parameter_offers_every_combination_of_the_models_fields(
    translated: Template,
) -> None:
    allowed = parameter(translated, "MetadataFieldExclusion")["AllowedValues"]

    combinations = {frozenset(filter(None, value.split(","))) for value in allowed}

    singles = {frozenset({field}) for field in METADATA_FIELDS}
    assert combinations == {frozenset(), *singles, frozenset(METADATA_FIELDS)}


def test_function_is_outside_any_vpc_without_subnets(plain: Rendered) -> None:
    assert "VpcConfig" not in plain.properties(FUNCTION)


def test_function_is_in_the_given_subnets_and_security_groups(everything: Rendered) -> None:
    assert everything.properties(FUNCTION)["VpcConfig"] == {
        "SubnetIds": ["subnet-0a", "subnet-0b"],
        "SecurityGroupIds": ["sg-0c"],
    }
