"""Processes of the stack: free ports, spawning detached children, and ending them by PID only."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Sequence
from pathlib import Path


def free_ports(count: int) -> list[int]:
    """Distinct ports free right now (each socket stays bound until all are picked)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


def spawn(argv: Sequence[str], log_file: Path, env: dict[str, str] | None = None) -> int:
    """Start argv in its own session with stdout and stderr appended to log_file; return its PID.

    posix_spawn, not subprocess.Popen: the stack outlives the Python process that started it, and a
    Popen object left running warns (ResourceWarning) when it is collected.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log_file), flags, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    return os.posix_spawn(
        argv[0],
        list(argv),
        env if env is not None else dict(os.environ),
        file_actions=actions,
        setsid=True,
    )


def _reap(pid: int) -> None:
    """Collect the exit status if pid is our child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def is_alive(pid: int) -> bool:
    """True while pid runs or is still exiting; a zombie whose threads are all gone is dead."""
    _reap(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        # A killed JVM's main thread turns zombie while its other threads still hold the
        # listening sockets: it has not finished exiting until they are gone too.
        threads = len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return False
    # The state letter follows the command name, which is in parentheses and may hold spaces.
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"} or threads > 1


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def is_ours(pid: int | None, *markers: str) -> bool:
    """True if pid runs and its command line holds every marker (a recycled PID will not)."""
    if pid is None or not is_alive(pid):
        return False
    args = cmdline(pid)
    return all(any(marker in arg for arg in args) for marker in markers)


def terminate(pid: int | None, *markers: str, timeout_s: float = 15.0) -> bool:
    """SIGTERM pid if it is ours, SIGKILL it after timeout_s; True if it was ours and is gone."""
    if pid is None or not is_ours(pid, *markers):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if wait_gone(pid, timeout_s):
        return True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return wait_gone(pid, 5.0)


def kill(pid: int | None, *markers: str) -> bool:
    """SIGKILL pid at once if it is ours (a crash, for fault tests); True if it was ours."""
    if pid is None or not is_ours(pid, *markers):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return wait_gone(pid, 5.0)


def wait_gone(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while is_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0
