"""`python -m local_stack start|stop|status|env`: the local stack from the command line
(the main job, `make run`, is `python -m tools.main_job`)."""

from __future__ import annotations

import argparse
import shlex
import sys

from local_stack.lifecycle import env_vars, load, start, stop
from local_stack.readiness import health, is_healthy
from local_stack.state import StackError, StackInfo, state_dir


def describe(info: StackInfo) -> str:
    users = ", ".join(f"{m} {c.username}/{c.password}" for m, c in info.users.items())
    return "\n".join([
        f"Apache Kafka {info.kafka_version} (pid {info.broker_pid}), moto (pid {info.moto_pid})",
        f"  SASL_SSL   {info.bootstrap.sasl_ssl}  (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)",
        f"  SSL        {info.bootstrap.ssl}  (TLS only)",
        f"  WRONGHOST  {info.bootstrap.wronghost}  (SASL_SSL, cert for wrong-host.invalid)",
        f"  PLAINTEXT  {info.bootstrap.plaintext}  (set-up and inspection only)",
        f"  users      {users}",
        f"  CA         {info.ca_file}  (rogue CA: {info.rogue_ca_file})",
        f"  topic      {info.topic}",
        f"  AWS        {info.aws_endpoint_url} ({info.region})",
        f"  queue      {info.queue_url}",
        f"  DLQ        {info.dlq_url}",
        f"  invalid    {info.invalid_url}",
        f"  secret     {info.secret_id}",
        f"  files      {info.state_dir}  (broker log {info.broker_log})",
        f"  started in {info.start_seconds:.1f}s",
    ])  # fmt: skip


def _start() -> int:
    existing = load()
    if existing is not None and is_healthy(existing):
        print("already running")
        print(describe(existing))
        return 0
    print(describe(start()))
    return 0


def _stop() -> int:
    info = stop()
    if info is None:
        print(f"not running (no state in {state_dir()})")
    else:
        print(f"stopped broker pid {info.broker_pid} and moto pid {info.moto_pid}")
    return 0


def _status() -> int:
    info = load()
    if info is None:
        print(f"not running (no state in {state_dir()})")
        return 1
    print(describe(info))
    checks = health(info)
    for name, ok in checks.items():
        print(f"  {'ok ' if ok else 'BAD'} {name}")
    return 0 if all(checks.values()) else 1


def _env() -> int:
    info = load()
    if info is None or not info.ready:
        print("the local stack is not running: make stack-up", file=sys.stderr)
        return 1
    for name, value in env_vars(info).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


COMMANDS = {"start": _start, "stop": _stop, "status": _status, "env": _env}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__)
    parser.add_argument("command", choices=COMMANDS)
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command]()
    except StackError as exc:
        print(f"local_stack: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
