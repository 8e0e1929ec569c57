"""Apache Kafka's jars, resolved by Maven from local_stack/pom.xml into the ignored
.cache/kafka-jars."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

from local_stack.state import REPO_ROOT, StackError

POM = Path(__file__).resolve().parent / "pom.xml"
JARS_DIR = REPO_ROOT / ".cache" / "kafka-jars"
_STAMP = ".pom-sha256"  # the pom these jars came from: a changed pom re-resolves


def kafka_version() -> str:
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", POM.read_text(encoding="utf-8"))
    if match is None:
        raise StackError(f"no <kafka.version> in {POM}")
    return match.group(1).strip()


def _pom_digest() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def _is_current(folder: Path) -> bool:
    stamp = folder / _STAMP
    return (
        stamp.is_file()
        and stamp.read_text(encoding="ascii").strip() == _pom_digest()
        and (folder / f"kafka_2.13-{kafka_version()}.jar").is_file()
    )


def ensure_jars(folder: Path = JARS_DIR) -> Path:
    """Return the folder of broker jars, running Maven first unless it already matches the pom."""
    if _is_current(folder):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    lock_file = folder.parent / ".kafka-jars.lock"
    with lock_file.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two starts at once fetch once
        if _is_current(folder):
            return folder
        mvn = shutil.which("mvn")
        if mvn is None:
            raise StackError("Maven (mvn) is not on PATH; it fetches Apache Kafka's jars")
        # Resolve into a fresh folder and swap it in whole: never a half-copied classpath.
        staging = folder.with_name(folder.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        command = [
            mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}", "-DincludeScope=runtime",
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()[-4000:]
            raise StackError(f"Maven could not fetch Kafka's jars ({' '.join(command)}):\n{output}")
        (staging / _STAMP).write_text(_pom_digest() + "\n", encoding="ascii")
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(folder)
        staging.rename(folder)
    return folder
