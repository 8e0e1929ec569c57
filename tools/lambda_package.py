"""Merge the lock's wheels installed for each architecture into one Lambda package.

    python -m tools.lambda_package TARGET INSTALLED_DIR [INSTALLED_DIR ...]

Each INSTALLED_DIR is a `pip install --target` of requirements/lambda.lock for one platform. The
native modules of aarch64 and x86_64 have different file names (`*.cpython-313-aarch64-linux-gnu
.so` beside `*.cpython-313-x86_64-linux-gnu.so`), so one package can carry both and the function
works whichever Architecture the stack is deployed with. Every other file must be the same in
each directory (pure-python code, data, licences); the only files allowed to differ are wheel
metadata of the build: a `*.dist-info`'s RECORD and WHEEL name the platform (their lines are
merged), and its `sboms/` describe each platform's binaries (a later install's differing SBOM is
kept as `sboms/<its directory's name>/<file>`). Any other difference stops the build (exit 1,
each path named): a package that differs by architecture in a way this merge cannot hold must
not ship half of one and half of the other. Standard library only: the build runs it with the
target Python.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

# Wheel metadata that names the platform; its lines are merged (order kept, no duplicates).
MERGED_METADATA = frozenset({"RECORD", "WHEEL"})


class Collision(Exception):
    """The same path holds different bytes in two architectures' installs."""


def _is_platform_metadata(relative: Path) -> bool:
    return relative.parent.name.endswith(".dist-info") and relative.name in MERGED_METADATA


def _is_sbom(relative: Path) -> bool:
    return relative.parent.name == "sboms" and relative.parent.parent.name.endswith(".dist-info")


def _merged_lines(first: bytes, second: bytes) -> bytes:
    lines = first.splitlines(keepends=True) + second.splitlines(keepends=True)
    return b"".join(dict.fromkeys(lines))


def merge_into(target: Path, installed: Path) -> list[str]:
    """Copy `installed` into `target`; return the relative paths that collide with different
    bytes (not copied). Platform metadata is merged instead of colliding."""
    collisions: list[str] = []
    for source in sorted(path for path in installed.rglob("*") if path.is_file()):
        relative = source.relative_to(installed)
        destination = target / relative
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
            continue
        ours, theirs = destination.read_bytes(), source.read_bytes()
        if ours == theirs:
            continue
        if _is_platform_metadata(relative):
            destination.write_bytes(_merged_lines(ours, theirs))
        elif _is_sbom(relative):
            kept = destination.parent / installed.name / relative.name
            kept.parent.mkdir(exist_ok=True)
            shutil.copy2(source, kept)
        else:
            collisions.append(str(relative))
    return collisions


def merge(target: Path, installs: list[Path]) -> None:
    """Merge every install into `target`, which must be new or empty; raise Collision naming
    every path that differs."""
    if target.exists() and any(target.iterdir()):
        raise Collision(f"{target} is not empty: the merge checks collisions against a clean tree")
    target.mkdir(parents=True, exist_ok=True)
    collisions = [path for installed in installs for path in merge_into(target, installed)]
    if collisions:
        raise Collision("differ between architectures: " + ", ".join(collisions))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        merge(Path(argv[0]), [Path(arg) for arg in argv[1:]])
    except Collision as error:
        print(f"lambda package: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
