"""The built package under the Lambda runtime interface, without Docker: the runtime interface
emulator (`aws-lambda-rie`, built from its Go module by `make lambda-runtime`) starts
`python3.13 -m awslambdaric handlers.lambda_handler.handler` in the package directory, as
Lambda's python3.13 runtime does, and events are invoked over its HTTP endpoint.

    python -m tools.lambda_emulator EVENT_FILE     (`make invoke EVENT=...`, the Docker-free
                                                    `sam local invoke`, on the local stack)

The function's environment is the template's, rendered with its defaults, pointed at the local
stack (brokers, topic, secret, CA, dead-letter queue; AWS_ENDPOINT_URL to moto).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from local_stack import StackInfo, env_vars, procs
from local_stack import start as start_stack
from tests.support.cfn import REQUIRED, Rendered, load_source, translate

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / ".aws-sam" / "build" / "ForwarderFunction"
RUNTIME_PYTHON = ROOT / ".cache" / "lambda-runtime-venv" / "bin" / "python"
HANDLER = "handlers.lambda_handler.handler"
INVOCATIONS = "/2015-03-31/functions/function/invocations"


def rie_binary() -> Path:
    """The emulator the Makefile pins (RIE_VERSION), as `make lambda-runtime` built it."""
    found = re.search(r"^RIE_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    if found is None:
        raise RuntimeError("the Makefile pins no RIE_VERSION")
    return ROOT / ".cache" / "rie" / found[1] / "aws-lambda-rie"


def function_environment(settings: dict[str, str]) -> dict[str, str]:
    """The template's environment for the function (defaults for every parameter), with the
    forwarder's `settings` (KAFKA_*, DEAD_LETTER_QUEUE_URL, ...) over it."""
    rendered = Rendered(translate(load_source()), REQUIRED)
    variables = rendered.properties("ForwarderFunction")["Environment"]["Variables"]
    template = {name: str(value) for name, value in variables.items() if isinstance(value, str)}
    return template | settings


def runtime_environment(
    package: Path, function: dict[str, str], aws: dict[str, str]
) -> dict[str, str]:
    """What Lambda's runtime would see: the function's variables, Lambda's own, and the AWS ones
    (moto's endpoint and dummy credentials). Nothing else from this process's environment.
    Tracing is off: there is no X-Ray daemon (as under `sam local`)."""
    lambda_variables = {
        "AWS_LAMBDA_FUNCTION_NAME": "kafka-event-forwarder",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": "60",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "LAMBDA_TASK_ROOT": str(package),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }
    return function | aws | lambda_variables


class Emulator:
    """One emulated Lambda container: started on free loopback ports, stopped on exit. The
    runtime starts on the first invocation (its init is part of that invocation's time)."""

    def __init__(
        self, package: Path, env: dict[str, str], log_file: Path, handler: str = HANDLER
    ) -> None:
        self.package, self.env, self.log_file = package, env, log_file
        self.handler = handler
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def __enter__(self) -> Emulator:
        self.port, api_port = procs.free_ports(2)
        argv = [
            str(rie_binary()),
            "--log-level",
            "error",
            "--runtime-interface-emulator-address",
            f"127.0.0.1:{self.port}",
            "--runtime-api-address",
            f"127.0.0.1:{api_port}",
            str(RUNTIME_PYTHON),
            "-m",
            "awslambdaric",
            self.handler,
        ]
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                argv, cwd=self.package, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        self.process = process
        deadline = time.monotonic() + 30
        while not procs.port_open(self.port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not start: {self.log()}")
            time.sleep(0.05)
        return self

    def invoke(self, event: dict[str, Any], timeout_s: float = 90.0) -> Any:
        """The handler's response to `event`, over the emulator's invoke endpoint."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{INVOCATIONS}", data=json.dumps(event).encode()
        )
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310
            return json.loads(answer.read())

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)  # the emulator and the runtime it started
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def local_stack_settings(stack: StackInfo) -> tuple[dict[str, str], dict[str, str]]:
    """The forwarder's settings and the AWS variables for the local stack's defaults."""
    variables = env_vars(stack)
    aws = {name: value for name, value in variables.items() if name.startswith("AWS_")}
    return {n: v for n, v in variables.items() if n not in aws}, aws


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    event = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    settings, aws = local_stack_settings(start_stack())
    env = runtime_environment(PACKAGE, function_environment(settings), aws)
    log_file = ROOT / ".aws-sam" / "emulator.log"
    log_file.unlink(missing_ok=True)
    with Emulator(PACKAGE, env, log_file) as emulator:
        response = emulator.invoke(event)
    print(emulator.log(), end="")
    print(json.dumps(response))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
