"""The house's layout of support code (checked on source): helpers live in tests/support/, no
module imports a test module or a conftest file, the test folders hold only tests and fixtures,
and each fixture has one definition."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
# Every folder of the project's own Python code, product and support alike.
PYTHON_FOLDERS = ("src", "tests", "tools", "bench", "local_stack")
TEST_FOLDERS = ("unit", "integration", "infrastructure", "reliability")


def python_files(*folders: Path) -> list[Path]:
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*.py")
        if "__pycache__" not in path.parts
    )


MODULES = python_files(*(ROOT / name for name in PYTHON_FOLDERS))
TEST_TREE = python_files(TESTS)
CONFTESTS = [path for path in TEST_TREE if path.name == "conftest.py"]


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def imported_modules(path: Path) -> Iterator[str]:
    """Every module an import statement of `path` names, relative imports resolved; for
    `from package import name` both `package` and `package.name` (name may be a module)."""
    package = module_name(path).split(".")[:-1]
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def is_test_or_conftest(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "conftest" or last.startswith("test_")


def is_fixture(node: ast.FunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target) in {"pytest.fixture", "fixture"}:
            return True
    return False


def fixtures(path: Path) -> list[str]:
    return [
        node.name
        for node in ast.walk(parse(path))
        if isinstance(node, ast.FunctionDef) and is_fixture(node)
    ]


def test_the_layout_checks_have_modules_to_check() -> None:
    assert {"conftest.py", "fakes.py", "harness.py", "main_job.py"} <= {m.name for m in MODULES}
    assert len(CONFTESTS) >= 4


@pytest.mark.parametrize("module", MODULES, ids=module_name)
def test_no_module_imports_a_test_module_or_a_conftest(module: Path) -> None:
    assert [name for name in imported_modules(module) if is_test_or_conftest(name)] == []


@pytest.mark.parametrize("folder", TEST_FOLDERS)
def test_test_folders_hold_only_tests_and_fixtures(folder: str) -> None:
    allowed = {"__init__.py", "conftest.py"}
    others = [
        path.relative_to(TESTS).as_posix()
        for path in python_files(TESTS / folder)
        if path.name not in allowed and not path.name.startswith("test_")
    ]
    assert others == [], "helpers belong in tests/support/"


@pytest.mark.parametrize("conftest", CONFTESTS, ids=module_name)
def test_conftest_files_define_only_fixtures_and_hooks(conftest: Path) -> None:
    others = [
        node.name
        for node in parse(conftest).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not (isinstance(node, ast.FunctionDef) and is_fixture(node))
        and not node.name.startswith("pytest_")
    ]
    assert others == [], "helpers belong in tests/support/"


def test_aws_env_is_defined_once_in_the_root_conftest() -> None:
    defined_in = [path for path in TEST_TREE if "aws_env" in fixtures(path)]
    assert defined_in == [TESTS / "conftest.py"]


def test_no_fixture_is_defined_twice() -> None:
    counts = Counter(name for path in TEST_TREE for name in fixtures(path))
    assert [name for name, count in counts.items() if count > 1] == []
