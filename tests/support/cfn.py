"""Offline CloudFormation helpers for the template tests: read template.yaml, translate it with
aws-sam-translator (as CloudFormation's SAM transform would), and render the result for a given set
of parameter values (Ref, Fn::If and the conditions, Fn::FindInMap, Fn::Join, Fn::Sub, NoValue), so
that tests can assert on concrete values instead of on intrinsic-function trees.

Resource references (Ref to a resource, Fn::GetAtt) stay as they are: they have no value offline.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SAMCONFIG = ROOT / "samconfig.toml"

REGION = "eu-west-1"
ACCOUNT = "123456789012"
FUNCTION = "ForwarderFunction"
STACK_NAME = "kafka-event-forwarder"

Template = dict[str, Any]
ParameterValues = Mapping[str, str | list[str]]

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka/forwarder-AbC123"
KMS_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:forwarder-alarms"

# The parameters without a default, plus the secret (required with SASL, the default).
REQUIRED: dict[str, str | list[str]] = {
    "KafkaBootstrapServers": "b-1.example.com:9096,b-2.example.com:9096",
    "KafkaTopic": "mparticle-events",
    "KafkaSecretArn": SECRET_ARN,
}
# Every optional feature on: customer-managed key, VPC, alarm topic.
EVERYTHING: dict[str, str | list[str]] = {
    **REQUIRED,
    "KafkaSecretKmsKeyArn": KMS_KEY_ARN,
    "SubnetIds": ["subnet-0a", "subnet-0b"],
    "SecurityGroupIds": ["sg-0c"],
    "AlarmTopicArn": TOPIC_ARN,
}


class _NoValue:
    """AWS::NoValue: the property or list item it stands for is removed."""


NO_VALUE = _NoValue()


class ManagedPolicyLoader:
    """What samtranslator asks for managed-policy names; the template names none."""

    def load(self) -> dict[str, str]:
        return {}


def load_source() -> Template:
    """template.yaml as plain JSON-like data (short-form tags such as !Ref expanded)."""
    template, errors = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    if errors or template is None:
        raise AssertionError(f"template.yaml does not parse: {errors}")
    plain: Template = json.loads(json.dumps(template))
    return plain


def translate(source: Template) -> Template:
    """The SAM transform, offline. CodeUri becomes an S3 location, as `sam package` makes it."""
    from samtranslator.translator.transform import transform  # noqa: PLC0415 (needs the region)

    document = copy.deepcopy(source)
    document["Resources"][FUNCTION]["Properties"]["CodeUri"] = "s3://artifacts/forwarder.zip"
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = REGION
    try:
        translated: Template = transform(document, {}, ManagedPolicyLoader())
    finally:
        if previous is None:
            del os.environ["AWS_DEFAULT_REGION"]
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous
    plain: Template = json.loads(json.dumps(translated))
    return plain


class Rendered:
    """A template with its parameters, conditions and mappings resolved for one set of values."""

    def __init__(self, template: Template, values: ParameterValues) -> None:
        self.template = template
        self.parameters = self._parameters(values)
        self._conditions: dict[str, bool] = {}

    def _parameters(self, values: ParameterValues) -> dict[str, str | list[str]]:
        declared: dict[str, Any] = self.template.get("Parameters", {})
        unknown = set(values) - set(declared)
        if unknown:
            raise KeyError(f"not template parameters: {sorted(unknown)}")
        resolved: dict[str, str | list[str]] = {}
        for name, spec in declared.items():
            if name in values:
                value: Any = values[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise KeyError(f"parameter {name} has no default: give it a value")
            if spec["Type"] == "CommaDelimitedList" and isinstance(value, str):
                value = value.split(",")
            resolved[name] = value if isinstance(value, list) else str(value)
        return resolved

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            result = self.value(self.template["Conditions"][name])
            if not isinstance(result, bool):
                raise TypeError(f"condition {name} is not a boolean: {result!r}")
            self._conditions[name] = result
        return self._conditions[name]

    def rule_holds(self, name: str) -> bool:
        """Whether the template's rule `name` lets these values through (a rule whose condition
        is false always does)."""
        rule = self.template["Rules"][name]
        if "RuleCondition" in rule and not self.value(rule["RuleCondition"]):
            return True
        return all(self.value(assertion["Assert"]) for assertion in rule["Assertions"])

    def resources(self, resource_type: str | None = None) -> dict[str, dict[str, Any]]:
        """The resources that exist for these values, optionally of one type, rendered."""
        found: dict[str, dict[str, Any]] = {}
        for logical_id, resource in self.template["Resources"].items():
            if "Condition" in resource and not self.condition(resource["Condition"]):
                continue
            if resource_type is None or resource["Type"] == resource_type:
                found[logical_id] = self.value(resource)
        return found

    def properties(self, logical_id: str) -> dict[str, Any]:
        properties: dict[str, Any] = self.resources()[logical_id].get("Properties", {})
        return properties

    def value(self, node: Any) -> Any:
        """`node` with every intrinsic function that has a value offline resolved."""
        if isinstance(node, list):
            items = [self.value(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            function = self._functions().get(key)
            if function is not None and not (key == "Fn::Sub" and not isinstance(arg, str)):
                return function(arg)
        rendered = {key: self.value(item) for key, item in node.items()}
        return {key: item for key, item in rendered.items() if item is not NO_VALUE}

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Condition": self.condition,
            "Fn::If": lambda arg: self.value(arg[1] if self.condition(arg[0]) else arg[2]),
            "Fn::Equals": lambda arg: self.value(arg[0]) == self.value(arg[1]),
            "Fn::Not": lambda arg: not self.value(arg[0]),
            "Fn::And": lambda arg: all(self.value(item) for item in arg),
            "Fn::Or": lambda arg: any(self.value(item) for item in arg),
            "Fn::Join": lambda arg: arg[0].join(str(item) for item in self.value(arg[1])),
            "Fn::Split": lambda arg: str(self.value(arg[1])).split(arg[0]),
            "Fn::Select": lambda arg: self.value(arg[1])[int(self.value(arg[0]))],
            "Fn::Contains": lambda arg: self.value(arg[1]) in self.value(arg[0]),
            "Fn::FindInMap": self._find_in_map,
            "Fn::Sub": lambda arg: re.sub(r"\$\{([^}!]+)\}", lambda m: self._sub(m[1]), arg),
        }

    def _find_in_map(self, arg: list[Any]) -> Any:
        mapping, top, second = (self.value(item) for item in arg)
        return self.template["Mappings"][mapping][top][second]

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": STACK_NAME,
        }
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return {"Ref": name}  # a resource: no value offline

    def _sub(self, name: str) -> str:
        value = self._ref(name)
        return value if isinstance(value, str) else "${" + name + "}"


def statements(rendered: Rendered) -> list[dict[str, Any]]:
    """Every IAM statement the rendered template grants (roles' inline policies and policies)."""
    found: list[dict[str, Any]] = []
    for resource in rendered.resources().values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        elif resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            documents = [properties["PolicyDocument"]]
        else:
            continue
        for document in documents:
            found.extend(as_list(document["Statement"]))
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def parameter(template: Template, name: str) -> dict[str, Any]:
    """A parameter's declaration (Type, Default, AllowedValues, MinValue, ...)."""
    spec: dict[str, Any] = template["Parameters"][name]
    return spec
