"""The Docker-free build (`make build-ForwarderFunction`, what `sam build` runs): the package holds
the handler and wheels for python3.13 on the target architecture, whatever the host is.

Needs PyPI (pip's cache makes a second run take seconds)."""

from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.cfn import REQUIRED, ROOT, Rendered, load_source, translate

pytestmark = pytest.mark.infrastructure

# The codecs of KAFKA_COMPRESSION: lz4, zstandard, and snappy (pure Python) over cramjam.
CODECS = ["lz4", "zstandard", "snappy", "cramjam"]
PACKAGES = ["handlers", "core", "adapters", "kafka", "orjson", "pydantic_core", "crc32c", *CODECS]
EXTENSIONS = ["orjson", "pydantic_core", "crc32c", "lz4", "zstandard", "cramjam"]


def _build(target: Path, arch: str) -> Path:
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "build-ForwarderFunction",
            f"ARCH={arch}",
            f"ARTIFACTS_DIR={target}",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=280,
    )
    return target


@pytest.fixture(scope="module")
def arm64(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("arm64") / "ForwarderFunction", "arm64")


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package for this host's architecture, to run under Python 3.13."""
    host_arch = {"x86_64": "x86_64", "aarch64": "arm64"}[platform.machine()]
    return _build(tmp_path_factory.mktemp("host") / "ForwarderFunction", host_arch)


def _python_3_13() -> str | None:
    candidates = [
        shutil.which("python3.13"),
        *map(str, Path.home().glob(".pyenv/versions/3.13*/bin/python3.13")),
    ]
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 13))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.stdout.strip() == "True":
            return candidate
    return None


@pytest.mark.parametrize("package", PACKAGES)
def test_arm64_package_holds(arm64: Path, package: str) -> None:
    assert (arm64 / package / "__init__.py").is_file()


@pytest.mark.parametrize("package", EXTENSIONS)
def test_arm64_package_extension_is_built_for_python_3_13_on_aarch64(
    arm64: Path, package: str
) -> None:
    names = [path.name for path in (arm64 / package).glob("*.so")]

    assert names
    assert all(name.endswith(".cpython-313-aarch64-linux-gnu.so") for name in names), names


def test_arm64_package_binaries_are_aarch64_elf(arm64: Path) -> None:
    # e_machine, bytes 18-19 of a little-endian ELF header: 183 is EM_AARCH64 (62 is x86-64).
    machines = {
        str(path.relative_to(arm64)): int.from_bytes(path.read_bytes()[18:20], "little")
        for path in arm64.rglob("*.so*")
    }

    assert machines
    assert {name: machine for name, machine in machines.items() if machine != 183} == {}


def test_arm64_package_has_no_x86_64_binary(arm64: Path) -> None:
    assert [str(path) for path in arm64.rglob("*x86_64*.so")] == []


def test_arm64_package_has_no_host_bytecode_or_scripts(arm64: Path) -> None:
    assert [str(path) for path in arm64.rglob("__pycache__")] == []
    assert not (arm64 / "bin").exists()


def test_arm64_package_takes_only_the_source_packages(arm64: Path) -> None:
    assert not list(arm64.glob("*.egg-info"))
    assert not (arm64 / "tests").exists()


def test_host_package_loads_the_templates_settings_under_python_3_13(
    host: Path, tmp_path: Path
) -> None:
    # The same lock for this host's architecture, run for real: the handler's whole import
    # closure is in the package, and the environment the template gives is accepted by its
    # settings. (The machine kind ships Python 3.13 through pyenv.)
    python = _python_3_13()
    assert python is not None, "python3.13 is needed to run the package as Lambda would"
    package = host
    rendered = Rendered(translate(load_source()), REQUIRED)
    environment = rendered.properties("ForwarderFunction")["Environment"]["Variables"]
    environment["DEAD_LETTER_QUEUE_URL"] = "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq"
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import handlers.lambda_handler; "
        "from core.settings import load_settings; "
        "print(load_settings('lambda').kafka_topic)"
    )

    result = subprocess.run(
        [python, "-I", "-c", script, str(package)],
        env={**environment, "AWS_DEFAULT_REGION": "eu-west-1", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert (result.returncode, result.stdout.strip()) == (0, REQUIRED["KafkaTopic"]), result.stderr


def test_host_package_compresses_with_every_codec_under_python_3_13(
    host: Path, tmp_path: Path
) -> None:
    # kafka-python's own codec functions, each round-tripped, from the package alone: the codec
    # libraries KAFKA_COMPRESSION needs import and work under the Lambda runtime's Python.
    python = _python_3_13()
    assert python is not None, "python3.13 is needed to run the package as Lambda would"
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); from kafka import codec; "
        "data = b'event_type:custom_event,' * 200; "
        "pairs = [(codec.gzip_encode, codec.gzip_decode), "
        "(codec.snappy_encode, codec.snappy_decode), (codec.lz4_encode, codec.lz4_decode), "
        "(codec.zstd_encode, codec.zstd_decode)]; "
        "print(all(decode(encode(data)) == data for encode, decode in pairs))"
    )

    result = subprocess.run(
        [python, "-I", "-c", script, str(host)],
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert (result.returncode, result.stdout.strip()) == (0, "True"), result.stderr
