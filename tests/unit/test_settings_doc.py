"""docs/settings.md cannot drift: its table lists exactly the settings model's variables and the
ones the template sets on the function, with the model's defaults and the template's parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str  # type: ignore[import-untyped, unused-ignore]

from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DOC = ROOT / "docs" / "settings.md"
CONTRACT = ROOT / "docs" / "contract.md"
TEMPLATE = ROOT / "template.yaml"

HEADER = ["Variable", "Type", "Default", "Effect", "Parameter"]
_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")  # `\|` inside a cell is part of its text
_CODE = re.compile(r"`([^`]*)`")


@dataclass(frozen=True)
class Row:
    variable: str
    default: str | None  # the literal, "" for "empty", None for "required"/"unset"
    parameter: str | None  # None for a variable no parameter sets


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in _CELL_SEPARATOR.split(line.strip())[1:-1]]


def _code(cell: str) -> str | None:
    match = _CODE.fullmatch(cell)
    return match[1] if match else None


def _default(cell: str) -> str | None:
    """The documented default: a `literal`, or the words the doc uses for none."""
    if cell.startswith("`"):
        literal = _CODE.match(cell)
        assert literal is not None, f"unclosed code span in default {cell!r}"
        return literal[1]
    if cell == "empty":
        return ""
    assert cell.startswith(("required", "unset")), f"unknown default {cell!r}"
    return None


@cache
def table() -> tuple[Row, ...]:
    """The rows of the one table in docs/settings.md whose header is HEADER."""
    lines = SETTINGS_DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if _cells(line) == HEADER)
    rows = []
    for line in lines[start + 2 :]:  # after the header and its |---| line
        if not line.startswith("|"):
            break
        variable, _type, default, _effect, parameter = _cells(line)
        name = _code(variable)
        assert name is not None, f"variable not in backticks: {variable!r}"
        rows.append(Row(name, _default(default), _code(parameter)))
    return tuple(rows)


def documented() -> dict[str, Row]:
    return {row.variable: row for row in table()}


def _env_name(field: str) -> str:
    """The variable pydantic-settings reads for a field (case-insensitive: shown upper-case)."""
    info = Settings.model_fields[field]
    alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return (prefix + (alias or field)).upper()


def model_variables() -> dict[str, Any]:
    """Each variable the settings model reads, with the field's default."""
    return {
        _env_name(field): info.get_default(call_default_factory=True)
        for field, info in Settings.model_fields.items()
    }


def _as_written(default: Any) -> str | None:
    """A model default as the variable would spell it; None for no value."""
    if default is None:
        return None
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, Enum):
        return str(default.value)
    if isinstance(default, frozenset | tuple | list):
        return ",".join(sorted(str(item) for item in default))
    if isinstance(default, dict):  # a mapping setting, written `key=value,...`
        return ",".join(f"{key}={value}" for key, value in default.items())
    return str(default)


@cache
def _template() -> dict[str, Any]:
    template, errors = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    assert not errors, errors
    assert template is not None
    return dict(template)


def template_environment() -> dict[str, Any]:
    """The variables the template sets on its functions, with their values (`{"Ref": ...}`)."""
    variables: dict[str, Any] = {}
    for resource in _template()["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            variables |= resource["Properties"]["Environment"]["Variables"]
    return variables


def test_settings_doc_has_its_table() -> None:
    assert len(table()) >= len(model_variables())


def test_no_variable_has_two_rows() -> None:
    names = [row.variable for row in table()]
    assert sorted(name for name in set(names) if names.count(name) > 1) == []


def test_every_variable_of_the_settings_model_has_a_row() -> None:
    assert sorted(set(model_variables()) - set(documented())) == []


def test_every_variable_the_template_sets_has_a_row() -> None:
    assert sorted(set(template_environment()) - set(documented())) == []


def test_every_row_is_read_by_the_model_or_set_by_the_template() -> None:
    known = set(model_variables()) | set(template_environment())
    assert sorted(set(documented()) - known) == []


@pytest.mark.parametrize("variable", sorted(model_variables()))
def test_documented_default_is_the_models_default(variable: str) -> None:
    row = documented().get(variable)
    assert row is not None, f"{variable} has no row"
    assert row.default == _as_written(model_variables()[variable])


@pytest.mark.parametrize("row", table(), ids=lambda row: row.variable)
def test_documented_parameter_is_the_one_the_template_sets_the_variable_from(row: Row) -> None:
    value = template_environment().get(row.variable)
    expected = None if not isinstance(value, dict) or "Ref" not in value else value["Ref"]
    if expected not in _template()["Parameters"]:
        expected = None  # a resource (the dead-letter queue), not a parameter
    assert row.parameter == expected


@pytest.mark.parametrize(
    "row", [row for row in table() if row.parameter], ids=lambda row: row.variable
)
def test_documented_default_is_the_template_parameters_default(row: Row) -> None:
    parameter = _template()["Parameters"][row.parameter]
    if "Default" not in parameter:
        assert row.default is None, f"{row.parameter} has no default: the variable is required"
    else:
        assert (row.default or "") == str(parameter["Default"])


@pytest.mark.parametrize("variable", sorted(model_variables()))
def test_contract_describes_every_setting(variable: str) -> None:
    assert f"`{variable}`" in CONTRACT.read_text(encoding="utf-8")
