"""How much of an invocation's remaining time the forwarder may spend waiting for Kafka."""

from __future__ import annotations

# The rest is kept for the dead-letter send and the response: at most this many seconds...
MAX_MARGIN_S = 5.0
# ...or a fifth of what is left, whichever is smaller.
MARGIN_FRACTION = 5


def time_budget_s(remaining_ms: int) -> float:
    """The seconds the forwarder may wait for acknowledgements, out of `remaining_ms`."""
    remaining_s = remaining_ms / 1000
    return max(0.0, remaining_s - min(MAX_MARGIN_S, remaining_s / MARGIN_FRACTION))
