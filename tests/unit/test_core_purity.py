"""`core` does no I/O and reads no environment outside the settings model (checked on source)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "src" / "core"
MODULES = sorted(CORE.glob("*.py"))

# Modules that talk to the network, other processes or AWS, or belong to the Lambda runtime.
DENIED = {
    "boto3", "botocore", "aiobotocore", "kafka", "confluent_kafka", "aws_lambda_powertools",
    "aws_xray_sdk", "socket", "ssl", "subprocess", "multiprocessing", "urllib", "http",
    "requests", "httpx", "adapters", "handlers",
}  # fmt: skip
# Reading the environment is the settings model's job alone (pydantic-settings reads it there).
ENVIRONMENT_ONLY_IN = {"settings.py"}
# settings.py parses the CA bundle with ssl (a file read, no connection), so that a bad bundle
# fails the cold start naming KAFKA_CA_BUNDLE (docs/contract.md#settings).
ALLOWED_IN = {"settings.py": {"ssl"}}


def imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def environment_uses(tree: ast.AST) -> list[str]:
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {
            "environ",
            "getenv",
            "environb",
            "putenv",
        }:
            uses.append(node.attr)
        elif isinstance(node, ast.Name) and node.id in {"environ", "getenv"}:
            uses.append(node.id)
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            uses.extend(alias.name for alias in node.names)
    return uses


def test_core_has_modules_to_check() -> None:
    assert {"transform.py", "batch.py", "settings.py"} <= {m.name for m in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_core_module_imports_nothing_that_does_io(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    assert imported_roots(tree) & (DENIED - ALLOWED_IN.get(module.name, set())) == set()


@pytest.mark.parametrize(
    "module", [m for m in MODULES if m.name not in ENVIRONMENT_ONLY_IN], ids=lambda p: p.name
)
def test_core_module_reads_no_environment_outside_settings(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    assert "os" not in imported_roots(tree)
    assert environment_uses(tree) == []
