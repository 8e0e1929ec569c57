"""Stop and start the broker alone, on the same ports, configuration and data (fault tests)."""

from __future__ import annotations

import dataclasses

from local_stack import broker, jars, procs, state
from local_stack.lifecycle import locked
from local_stack.readiness import BROKER_TIMEOUT_S, layout, wait_broker, wait_ports_closed
from local_stack.state import StackInfo


def _latest(info: StackInfo) -> StackInfo:
    """The state file's view of this stack: a restart elsewhere may have changed the broker PID."""
    recorded = state.load(info.state_dir)
    return recorded if recorded is not None and recorded.ports == info.ports else info


def stop_broker(info: StackInfo, *, kill: bool = False) -> StackInfo:
    """Stop only the broker (SIGTERM, or SIGKILL with kill=True to simulate a crash)."""
    with locked(info.state_dir):
        info = _latest(info)
        markers = broker.markers(layout(info))
        if kill:
            procs.kill(info.broker_pid, *markers)
        else:
            procs.terminate(info.broker_pid, *markers)
        wait_ports_closed(info.ports)
        info = dataclasses.replace(info, broker_pid=None)
        state.save(info)
    return info


def start_broker(info: StackInfo, timeout_s: float = BROKER_TIMEOUT_S) -> StackInfo:
    """Start the broker again and wait for a SASL_SSL login; a running broker is left as it is.

    Holds the state folder's lock, so a concurrent `start` waits instead of starting over."""
    with locked(info.state_dir):
        info = _latest(info)
        files = layout(info)
        if not procs.is_ours(info.broker_pid, *broker.markers(files)):
            info = dataclasses.replace(info, broker_pid=broker.launch(files, jars.ensure_jars()))
            state.save(info)
        wait_broker(info, timeout_s)
    return info
