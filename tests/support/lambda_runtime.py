"""The Lambda runtime's side of the tests: its Python (3.13, the template's Runtime) and the
architectures the package serves."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

LAMBDA_PYTHON_VERSION = (3, 13)
LAMBDA_MACHINES = ("aarch64", "x86_64")


@functools.cache
def lambda_python() -> str:
    """The first python3.13 that runs, on PATH or in pyenv (as the Makefile finds it); raises
    AssertionError when there is none: the package cannot be checked as Lambda runs it."""
    name = "python{}.{}".format(*LAMBDA_PYTHON_VERSION)
    candidates = [
        shutil.which(name),
        *map(str, sorted(Path.home().glob(f".pyenv/versions/3.13*/bin/{name}"))),
    ]
    probe = f"import sys; sys.exit(sys.version_info[:2] != {LAMBDA_PYTHON_VERSION!r})"
    for candidate in filter(None, candidates):
        if (
            subprocess.run([candidate, "-c", probe], capture_output=True, check=False).returncode
            == 0
        ):
            return candidate
    raise AssertionError(f"{name} is needed to run the package as Lambda does (pyenv install 3.13)")
