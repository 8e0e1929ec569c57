"""The Docker-free build (`make build-ForwarderFunction`, what `sam build` runs): one package for
both architectures, holding the handler, the lock's wheels for python3.13 on aarch64 and x86_64,
and bytecode compiled by python3.13, whatever the host is.

Needs PyPI (pip's cache makes a second run take seconds) and python3.13 (the machine kind's
pyenv has it; the build itself refuses to run without it)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.cfn import REQUIRED, ROOT, Rendered, load_source, translate
from tests.support.lambda_runtime import LAMBDA_MACHINES, lambda_python

pytestmark = pytest.mark.infrastructure

# The codecs of KAFKA_COMPRESSION: lz4, zstandard, and snappy (pure Python) over cramjam.
CODECS = ["lz4", "zstandard", "snappy", "cramjam"]
PACKAGES = ["handlers", "core", "adapters", "kafka", "orjson", "pydantic_core", "crc32c", *CODECS]
EXTENSIONS = ["orjson", "pydantic_core", "crc32c", "lz4", "zstandard", "cramjam"]
# e_machine, bytes 18-19 of a little-endian ELF header.
ELF_MACHINE = {"aarch64": 183, "x86_64": 62}
SUFFIX = {machine: f".cpython-313-{machine}-linux-gnu.so" for machine in LAMBDA_MACHINES}

# Runs in the package under python3.13 -I: the handler's whole import closure from the package,
# one invocation with the template's environment (an empty batch needs no network).
RUN_HANDLER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from handlers.lambda_handler import handler

class Context:
    function_name, function_version, memory_limit_in_mb = "ForwarderFunction", "$LATEST", 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:ForwarderFunction"
    aws_request_id, log_group_name, log_stream_name = "request-1", "/aws/lambda/F", "stream"
    def get_remaining_time_in_millis(self): return 30_000

response = handler({"Records": []}, Context())
files = [getattr(module, "__file__", None) or "" for module in list(sys.modules.values())]
native = sorted(f for f in files if f.startswith(sys.argv[1]) and f.endswith(".so"))
print(json.dumps({"response": response, "native": native}))
"""


def _build(target: Path) -> Path:
    subprocess.run(
        ["make", "--no-print-directory", "build-ForwarderFunction", f"ARTIFACTS_DIR={target}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=400,
    )
    return target


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("package") / "ForwarderFunction")


def _native_modules(package: Path) -> dict[str, set[str]]:
    """Each native module (its path without the platform suffix) -> the machines it exists for."""
    modules: dict[str, set[str]] = {}
    for path in package.rglob("*.so"):
        relative = str(path.relative_to(package))
        machine = next((m for m, suffix in SUFFIX.items() if relative.endswith(suffix)), "?")
        stem = relative.removesuffix(SUFFIX.get(machine, ""))
        modules.setdefault(stem, set()).add(machine)
    return modules


@pytest.mark.parametrize("name", PACKAGES)
def test_package_holds(package: Path, name: str) -> None:
    assert (package / name / "__init__.py").is_file()


@pytest.mark.parametrize("name", EXTENSIONS)
def test_package_extension_exists_for_python_3_13_on_both_architectures(
    package: Path, name: str
) -> None:
    names = sorted(path.name for path in (package / name).glob("*.so"))

    assert {
        machine for machine in LAMBDA_MACHINES if any(n.endswith(SUFFIX[machine]) for n in names)
    } == set(LAMBDA_MACHINES), names


def test_every_native_module_exists_for_aarch64_and_x86_64(package: Path) -> None:
    modules = _native_modules(package)

    assert modules
    assert {
        stem: machines for stem, machines in modules.items() if machines != {*LAMBDA_MACHINES}
    } == {}


def test_every_native_module_is_an_elf_for_the_machine_its_name_says(package: Path) -> None:
    wrong = {
        str(path.relative_to(package)): int.from_bytes(path.read_bytes()[18:20], "little")
        for machine, suffix in SUFFIX.items()
        for path in package.rglob(f"*{suffix}")
        if int.from_bytes(path.read_bytes()[18:20], "little") != ELF_MACHINE[machine]
    }

    assert wrong == {}


def test_every_module_has_python_3_13_bytecode_valid_without_its_file_times(
    package: Path,
) -> None:
    # Flags 0b01 in the .pyc header: hash-based and unchecked, so a read-only /var/task with any
    # file times uses it as is. The magic number is python3.13's own.
    magic = subprocess.run(
        [lambda_python(), "-c", "import importlib.util as u; print(u.MAGIC_NUMBER.hex())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    missing, stale = [], []
    for source in package.rglob("*.py"):
        pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        if not pyc.is_file():
            missing.append(str(source.relative_to(package)))
        elif pyc.read_bytes()[:8] != bytes.fromhex(magic) + (1).to_bytes(4, "little"):
            stale.append(str(pyc.relative_to(package)))

    assert (missing, stale) == ([], [])


def test_package_has_bytecode_of_python_3_13_only(package: Path) -> None:
    others = [p for p in package.rglob("*.pyc") if not p.name.endswith(".cpython-313.pyc")]

    assert others == []


def test_package_has_no_scripts_or_source_tree_metadata(package: Path) -> None:
    assert not (package / "bin").exists()
    assert not list(package.glob("*.egg-info"))
    assert not (package / "tests").exists()
    assert not (package / "handlers" / "local").exists()


def test_x86_64_half_runs_the_handler_under_python_3_13_with_the_templates_environment(
    package: Path, tmp_path: Path
) -> None:
    # The machine kind is x86_64: run for real, the way Lambda's python3.13 would import it.
    rendered = Rendered(translate(load_source()), REQUIRED)
    environment = rendered.properties("ForwarderFunction")["Environment"]["Variables"]
    environment["DEAD_LETTER_QUEUE_URL"] = "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq"

    result = subprocess.run(
        [lambda_python(), "-I", "-c", RUN_HANDLER, str(package)],
        env={**environment, "AWS_DEFAULT_REGION": "eu-west-1", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    ran = json.loads(result.stdout.splitlines()[-1])
    assert ran["response"] == {"batchItemFailures": []}
    assert all(path.endswith(SUFFIX["x86_64"]) for path in ran["native"]), ran["native"]
    assert {"orjson", "pydantic_core"} <= {Path(path).parent.name for path in ran["native"]}


def test_x86_64_half_compresses_with_every_codec_under_python_3_13(
    package: Path, tmp_path: Path
) -> None:
    # kafka-python's own codec functions, each round-tripped, from the package alone: the codec
    # libraries KAFKA_COMPRESSION needs import and work under the Lambda runtime's Python.
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); from kafka import codec; "
        "data = b'event_type:custom_event,' * 200; "
        "pairs = [(codec.gzip_encode, codec.gzip_decode), "
        "(codec.snappy_encode, codec.snappy_decode), (codec.lz4_encode, codec.lz4_decode), "
        "(codec.zstd_encode, codec.zstd_decode)]; "
        "print(all(decode(encode(data)) == data for encode, decode in pairs))"
    )

    result = subprocess.run(
        [lambda_python(), "-I", "-c", script, str(package)],
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert (result.returncode, result.stdout.strip()) == (0, "True"), result.stderr


def test_build_without_python_3_13_says_so_and_fails(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "build-ForwarderFunction",
            f"ARTIFACTS_DIR={tmp_path / 'ForwarderFunction'}",
            "LAMBDA_PYTHON=/usr/bin/false",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode != 0
    assert "the build needs python3.13" in result.stderr
    assert not (tmp_path / "ForwarderFunction").exists()


def test_a_private_ca_in_src_certs_is_not_ignored_by_git() -> None:
    # README tells users to put a private CA there: a pipeline's clean clone must have it.
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", "src/certs/ca.pem"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )

    assert result.returncode == 1  # 1: not ignored (0 would be ignored)


@pytest.mark.parametrize("path", ["local-ca.pem", "src/local.pem", "src/certs/ca.key"])
def test_other_key_and_pem_files_stay_ignored_by_git(path: str) -> None:
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", path],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )

    assert result.returncode == 0
