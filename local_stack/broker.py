"""One Apache Kafka node in KRaft combined mode: its storage format and its process."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from local_stack import procs
from local_stack.certs import TlsFiles
from local_stack.config import USERS, BrokerLayout, log4j_config, server_properties
from local_stack.state import Ports, StackError

MAIN_CLASS = "kafka.Kafka"
_BROKER_JVM = ["-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20"]
# Short-lived tools start faster with the client compiler and a small serial heap.
_TOOL_JVM = ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
_VALIDATOR_SOURCE = Path(__file__).resolve().parent / "java" / "MskIamValidator.java"


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise StackError("java is not on PATH; the broker needs Java 17+")
    return java


def _classpath(jars: Path) -> str:
    return str(jars / "*")  # expanded by java itself, not a shell


def _broker_classpath(layout: BrokerLayout, jars: Path) -> str:
    """Kafka's jars and the stack's own compiled broker code."""
    return f"{_classpath(jars)}{os.pathsep}{layout.classes}"


def _compile_validator(layout: BrokerLayout, jars: Path) -> None:
    """Compile the IAM listener's token validator (test-only broker code) against the jars."""
    javac = shutil.which("javac")
    if javac is None:
        raise StackError("javac is not on PATH; the local stack needs a JDK 17+")
    command = [javac, "-cp", _classpath(jars), "-d", str(layout.classes), str(_VALIDATOR_SOURCE)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise StackError(f"javac failed on {_VALIDATOR_SOURCE}:\n{result.stderr.strip()[-4000:]}")


def _cluster_id() -> str:
    """A Kafka Uuid (22 chars of url-safe base64); Kafka's tools avoid a leading '-' too."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def prepare(layout: BrokerLayout, jars: Path, tls: TlsFiles, ports: Ports) -> None:
    """Write fresh configuration and format empty storage with the SCRAM users."""
    shutil.rmtree(layout.root, ignore_errors=True)
    layout.root.mkdir(parents=True)
    layout.properties.write_text(server_properties(layout, tls, ports), encoding="utf-8")
    layout.log4j.write_text(log4j_config(layout.log), encoding="utf-8")
    layout.format_log4j.write_text(log4j_config(layout.format_log), encoding="utf-8")
    _compile_validator(layout, jars)
    scram = [
        arg
        for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512")
        for arg in (
            "--add-scram",
            f"{mechanism}=[name={USERS[mechanism].username},password={USERS[mechanism].password}]",
        )
    ]
    command = [
        _java(), *_TOOL_JVM, f"-Dlog4j2.configurationFile={layout.format_log4j}",
        "-cp", _broker_classpath(layout, jars), "kafka.tools.StorageTool", "format",
        "--cluster-id", _cluster_id(), "--config", str(layout.properties), "--standalone", *scram,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-4000:]
        raise StackError(f"Kafka StorageTool format failed:\n{output}\nsee {layout.format_log}")


def launch(layout: BrokerLayout, jars: Path) -> int:
    """Start the broker on the prepared configuration and data; return its PID."""
    command = [
        _java(), *_BROKER_JVM, "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={layout.log4j}",
        "-cp", _broker_classpath(layout, jars), MAIN_CLASS, str(layout.properties),
    ]  # fmt: skip
    return procs.spawn(command, layout.console)


def markers(layout: BrokerLayout) -> tuple[str, str]:
    """What the broker's command line holds: tells our broker from any other process."""
    return (MAIN_CLASS, str(layout.properties))


def log_tail(layout: BrokerLayout, lines: int = 30) -> str:
    parts = []
    for file in (layout.console, layout.log):
        try:
            text = file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        except FileNotFoundError:
            continue
        parts.append(f"--- {file} (last {len(text)} lines)\n" + "\n".join(text))
    return "\n".join(parts)
