"""The Python of the dev environment (.venv): 3.13, the Lambda runtime's, when the machine has
it, else 3.11 with a warning. `make install` runs it with any Python 3 before .venv exists:

    python3 tools/dev_python.py     # prints the chosen interpreter's path; warns on stderr

Candidates, for 3.13 then for 3.11, the first that runs and reports that version wins:
`DEV_PYTHON` (an explicit choice, used whatever its version, with the warning when it is not
3.13), `python3.X` on PATH, then pyenv's versions folder (`pyenv root`, else `PYENV_ROOT`, else
~/.pyenv), newest patch first. Each candidate is run: a pyenv shim may be on PATH and refuse.
Exit status 2, saying why, when there is neither. Standard library only."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PREFERRED = (3, 13)  # the template's Runtime: python3.13
FALLBACK = (3, 11)  # pyproject's requires-python floor, ruff's and mypy's target
OVERRIDE = "DEV_PYTHON"
VERSION_CODE = "import sys; print('%d.%d' % sys.version_info[:2])"


@dataclass(frozen=True)
class Choice:
    python: str
    version: tuple[int, int]
    overridden: bool = False  # DEV_PYTHON named it

    @property
    def warning(self) -> str | None:
        """What a reader of the install or CI output must see when the suite will not run on
        the Lambda runtime's Python; None when it will."""
        if self.version == PREFERRED:
            return None
        why = (
            f"{OVERRIDE} names it"
            if self.overridden
            else f"no python{_dotted(PREFERRED)} runs from PATH or pyenv. Install it (pyenv "
            f"install {_dotted(PREFERRED)}), then make clean install"
        )
        return (
            f"WARNING: the dev environment uses Python {_dotted(self.version)} ({self.python}), "
            f"not {_dotted(PREFERRED)}, the Lambda runtime's: {why}."
        )


def _dotted(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


def version_of(python: str, env: Mapping[str, str]) -> tuple[int, int] | None:
    """The (major, minor) the interpreter reports, or None when it does not run."""
    try:
        result = subprocess.run(
            [python, "-c", VERSION_CODE],
            capture_output=True,
            text=True,
            env=dict(env),
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.fullmatch(r"(\d+)\.(\d+)", result.stdout.strip())
    if result.returncode != 0 or match is None:
        return None
    return int(match[1]), int(match[2])


def pyenv_root(env: Mapping[str, str]) -> Path:
    pyenv = shutil.which("pyenv", path=env.get("PATH"))
    if pyenv is not None:
        result = subprocess.run(
            [pyenv, "root"], capture_output=True, text=True, env=dict(env), check=False
        )
        if result.returncode == 0 and result.stdout.strip():
            return Path(result.stdout.strip())
    return Path(env.get("PYENV_ROOT") or Path(env.get("HOME", "~")).expanduser() / ".pyenv")


def _patch(path: Path) -> tuple[int, ...]:
    """Sort key of pyenv's versions/3.13.1/bin/python3.13: (3, 13, 1); a dev build sorts first."""
    parts = path.parents[1].name.split(".")
    return tuple(int(part) if part.isdigit() else -1 for part in parts)


def candidates(version: tuple[int, int], env: Mapping[str, str]) -> list[str]:
    name = f"python{_dotted(version)}"
    on_path = shutil.which(name, path=env.get("PATH"))
    versions = pyenv_root(env) / "versions"
    pyenv = sorted(versions.glob(f"{_dotted(version)}.*/bin/{name}"), key=_patch, reverse=True)
    return [path for path in [on_path, *map(str, pyenv)] if path]


def choose(env: Mapping[str, str]) -> Choice:
    """The interpreter for .venv; raises LookupError when there is none to use."""
    override = env.get(OVERRIDE)
    if override:
        found = version_of(override, env)
        if found is None:
            raise LookupError(f"{OVERRIDE}={override} does not run")
        return Choice(override, found, overridden=True)
    for version in (PREFERRED, FALLBACK):
        for python in candidates(version, env):
            if version_of(python, env) == version:
                return Choice(python, version)
    raise LookupError(
        f"neither python{_dotted(PREFERRED)} nor python{_dotted(FALLBACK)} runs from PATH or "
        f"pyenv ({pyenv_root(env) / 'versions'}); install one (pyenv install "
        f"{_dotted(PREFERRED)}) or set {OVERRIDE}=/path/to/python"
    )


def main() -> int:
    try:
        choice = choose(os.environ)
    except LookupError as exc:
        print(f"dev_python: {exc}", file=sys.stderr)
        return 2
    if choice.warning is not None:
        print(choice.warning, file=sys.stderr)
    print(choice.python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
