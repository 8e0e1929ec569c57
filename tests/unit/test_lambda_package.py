"""tools/lambda_package: one package from the installs of several architectures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.lambda_package import Collision, merge


def _install(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_native_modules_of_each_architecture_sit_side_by_side(tmp_path: Path) -> None:
    arm = _install(tmp_path / "aarch64", {"m/__init__.py": "x", "m/_m.cpython-313-aarch64.so": "a"})
    x86 = _install(tmp_path / "x86_64", {"m/__init__.py": "x", "m/_m.cpython-313-x86_64.so": "b"})

    merge(tmp_path / "out", [arm, x86])

    names = sorted(p.name for p in (tmp_path / "out" / "m").iterdir())
    assert names == ["__init__.py", "_m.cpython-313-aarch64.so", "_m.cpython-313-x86_64.so"]


def test_a_file_that_differs_between_architectures_stops_the_merge(tmp_path: Path) -> None:
    arm = _install(tmp_path / "aarch64", {"m/__init__.py": "x = 1"})
    x86 = _install(tmp_path / "x86_64", {"m/__init__.py": "x = 2"})

    with pytest.raises(Collision, match=r"m/__init__\.py"):
        merge(tmp_path / "out", [arm, x86])


def test_wheel_metadata_naming_the_platform_is_merged_line_by_line(tmp_path: Path) -> None:
    arm = _install(tmp_path / "aarch64", {"m-1.dist-info/WHEEL": "V: 1\nTag: aarch64\n"})
    x86 = _install(tmp_path / "x86_64", {"m-1.dist-info/WHEEL": "V: 1\nTag: x86_64\n"})

    merge(tmp_path / "out", [arm, x86])

    merged = (tmp_path / "out" / "m-1.dist-info" / "WHEEL").read_text()
    assert merged == "V: 1\nTag: aarch64\nTag: x86_64\n"


def test_each_architectures_sbom_is_kept(tmp_path: Path) -> None:
    arm = _install(tmp_path / "aarch64", {"m-1.dist-info/sboms/m.json": "arm"})
    x86 = _install(tmp_path / "x86_64", {"m-1.dist-info/sboms/m.json": "x86"})

    merge(tmp_path / "out", [arm, x86])

    sboms = tmp_path / "out" / "m-1.dist-info" / "sboms"
    kept = ((sboms / "m.json").read_text(), (sboms / "x86_64" / "m.json").read_text())
    assert kept == ("arm", "x86")


def test_the_merge_refuses_a_target_that_is_not_empty(tmp_path: Path) -> None:
    target = _install(tmp_path / "out", {"stale.py": ""})

    with pytest.raises(Collision, match="not empty"):
        merge(target, [_install(tmp_path / "aarch64", {"m.py": ""})])
