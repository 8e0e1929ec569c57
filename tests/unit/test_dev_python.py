"""tools/dev_python.py, the choice of .venv's Python that `make install` makes: 3.13 (the Lambda
runtime's) when the machine has it, else 3.11 with a warning. Run as make runs it, as a script,
against stand-in interpreters (shell scripts that report a version) on a PATH of their own."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tools import dev_python

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "dev_python.py"


def _interpreter(path: Path, version: str | None) -> str:
    """A stand-in Python that reports `version`, or one that refuses to run (a pyenv shim)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = f"echo {version}" if version else "echo 'pyenv: command not found' >&2; exit 127"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def _choose(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": str(tmp_path / "bin"), "PYENV_ROOT": str(tmp_path / "pyenv")}
    return subprocess.run(
        [sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        env=base | env,
        timeout=60,
        check=False,
    )


def _pyenv_python(tmp_path: Path, version: str, root: str = "pyenv") -> str:
    minor = ".".join(version.split(".")[:2])
    return _interpreter(tmp_path / root / "versions" / version / "bin" / f"python{minor}", minor)


def test_python313_on_path_is_chosen_without_warning(tmp_path: Path) -> None:
    python = _interpreter(tmp_path / "bin" / "python3.13", "3.13")
    _interpreter(tmp_path / "bin" / "python3.11", "3.11")
    result = _choose(tmp_path)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, python, "")


def test_pyenv_newest_313_is_chosen_when_path_has_none(tmp_path: Path) -> None:
    _pyenv_python(tmp_path, "3.13.2")
    newest = _pyenv_python(tmp_path, "3.13.10")
    result = _choose(tmp_path)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, newest, "")


def test_a_shim_that_refuses_to_run_is_passed_over(tmp_path: Path) -> None:
    _interpreter(tmp_path / "bin" / "python3.13", None)
    python = _pyenv_python(tmp_path, "3.13.0")
    assert _choose(tmp_path).stdout.strip() == python


def test_pyenv_root_is_asked_of_pyenv_when_it_is_on_path(tmp_path: Path) -> None:
    other_root = tmp_path / "elsewhere"
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "pyenv").write_text(f"#!/bin/sh\necho {other_root}\n")
    (tmp_path / "bin" / "pyenv").chmod(0o755)
    python = _pyenv_python(tmp_path, "3.13.1", root="elsewhere")
    assert _choose(tmp_path).stdout.strip() == python


def test_without_313_python311_is_chosen_with_a_warning(tmp_path: Path) -> None:
    python = _interpreter(tmp_path / "bin" / "python3.11", "3.11")
    result = _choose(tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, python)
    assert result.stderr.startswith("WARNING: the dev environment uses Python 3.11")
    assert "not 3.13, the Lambda runtime's: no python3.13 runs from PATH or pyenv" in result.stderr


def test_an_override_is_used_whatever_its_version_and_warned_about(tmp_path: Path) -> None:
    _interpreter(tmp_path / "bin" / "python3.13", "3.13")
    python = _interpreter(tmp_path / "mine" / "python", "3.11")
    result = _choose(tmp_path, DEV_PYTHON=python)
    assert (result.returncode, result.stdout.strip()) == (0, python)
    assert result.stderr.startswith("WARNING: the dev environment uses Python 3.11")
    assert result.stderr.strip().endswith("the Lambda runtime's: DEV_PYTHON names it.")


def test_an_override_that_does_not_run_stops_the_install(tmp_path: Path) -> None:
    result = _choose(tmp_path, DEV_PYTHON=str(tmp_path / "missing"))
    assert (result.returncode, result.stdout) == (2, "")
    assert "DEV_PYTHON=" in result.stderr


def test_neither_version_stops_the_install_saying_what_to_install(tmp_path: Path) -> None:
    _interpreter(tmp_path / "bin" / "python3.12", "3.12")
    result = _choose(tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert "neither python3.13 nor python3.11" in result.stderr


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_fallback_is_the_floor_of_requires_python_ruff_and_mypy(
    pyproject: dict[str, Any],
) -> None:
    floor = "3.11"
    assert ".".join(map(str, dev_python.FALLBACK)) == floor
    assert pyproject["project"]["requires-python"] == f">={floor}"
    assert pyproject["tool"]["ruff"]["target-version"] == f"py{floor.replace('.', '')}"
    assert pyproject["tool"]["mypy"]["python_version"] == floor


def test_the_preferred_python_is_the_template_runtime() -> None:
    runtime = re.search(r"^\s+Runtime: (python\S+)$", (ROOT / "template.yaml").read_text(), re.M)
    assert runtime is not None
    assert runtime[1] == "python" + ".".join(map(str, dev_python.PREFERRED))


def test_dev_lock_is_one_resolution_for_every_python_from_the_fallback_up() -> None:
    header = (ROOT / "requirements" / "dev.lock").read_text().splitlines()[1]
    assert "--universal --python-version 3.11" in header
