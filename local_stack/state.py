"""Where the local stack keeps its files, and `StackInfo`, its state file `stack.json`."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
STATE_DIR_ENV = "FORWARDER_STACK_DIR"
STATE_FILE = "stack.json"
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


class StackError(RuntimeError):
    """The local stack could not be set up, started or reached; the message says where to look."""


def state_dir(path: str | Path | None = None) -> Path:
    """The state folder: the argument, else $FORWARDER_STACK_DIR, else `<repo>/.stack`."""
    chosen = path or os.environ.get(STATE_DIR_ENV) or REPO_ROOT / ".stack"
    return Path(chosen).resolve()


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class Ports:
    """Ports the broker binds (all on 127.0.0.1) and moto's port."""

    sasl_ssl: int
    ssl: int
    wronghost: int
    plaintext: int
    controller: int
    moto: int
    # With start(proxied=True): the PROXIED listener's own port, and the port it advertises,
    # where a fault-injection proxy listens and forwards to `proxied`.
    proxied: int | None = None
    proxy: int | None = None


@dataclass(frozen=True)
class Bootstrap:
    """host:port a client bootstraps from, per listener."""

    sasl_ssl: str
    ssl: str
    wronghost: str
    plaintext: str
    proxied: str | None = None  # localhost:<proxy port>, only with start(proxied=True)


@dataclass(frozen=True)
class StackInfo:
    """Everything a test or command needs to reach the running stack: the contents of stack.json."""

    state_dir: str
    kafka_version: str
    ports: Ports
    broker_pid: int | None
    moto_pid: int | None
    bootstrap: Bootstrap
    ca_file: str
    rogue_ca_file: str
    users: dict[str, Credentials]  # by SASL mechanism: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
    aws_endpoint_url: str
    region: str
    queue_url: str
    dlq_url: str
    secret_id: str
    topic: str
    broker_log: str
    moto_log: str
    ready: bool  # False while starting: a state file left with ready=False is a crashed start
    start_seconds: float  # how long `start` took
    invalid_url: str = ""  # the invalid-message queue (DEAD_LETTER_QUEUE_URL)

    def credentials(self, mechanism: str) -> Credentials:
        try:
            return self.users[mechanism]
        except KeyError:
            raise KeyError(f"no user for mechanism {mechanism!r}; known: {MECHANISMS}") from None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StackInfo:
        fields = dict(data)
        fields["ports"] = Ports(**data["ports"])
        fields["bootstrap"] = Bootstrap(**data["bootstrap"])
        fields["users"] = {m: Credentials(**c) for m, c in data["users"].items()}
        return cls(**fields)


def load(path: str | Path | None = None) -> StackInfo | None:
    """The stack described by the state folder's stack.json, or None when there is none."""
    file = state_dir(path) / STATE_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        return StackInfo.from_dict(data)
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        hint = "`python -m local_stack stop`"
        raise StackError(f"unreadable state file {file}: {exc}; {hint}") from exc


def save(info: StackInfo) -> None:
    """Write stack.json atomically, so a reader never sees half a file."""
    file = Path(info.state_dir) / STATE_FILE
    tmp = file.with_suffix(".tmp")
    tmp.write_text(info.to_json(), encoding="utf-8")
    tmp.replace(file)


def remove(path: str | Path | None = None) -> None:
    (state_dir(path) / STATE_FILE).unlink(missing_ok=True)
