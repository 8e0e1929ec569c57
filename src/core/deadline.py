"""An invocation's time as one value: made once from the Lambda context, passed down to every step.

Two points on one monotonic clock: `wait_end`, when waiting for Kafka must stop, and `end`, when
everything must be done. Between them lies the margin kept for what follows the wait (dead
letters, closing a stuck producer, the response). See docs/decisions/time-budget-margin.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]

# The margin after the wait: at most this many seconds...
MAX_MARGIN_S = 5.0
# ...or a fifth of what is left, whichever is smaller.
MARGIN_FRACTION = 5
# Kept back from `end` for building and returning the response.
RESPONSE_RESERVE_S = 0.2


def time_budget_s(remaining_ms: int) -> float:
    """The seconds the forwarder may wait for acknowledgements, out of `remaining_ms`."""
    remaining_s = remaining_ms / 1000
    return max(0.0, remaining_s - min(MAX_MARGIN_S, remaining_s / MARGIN_FRACTION))


@dataclass(frozen=True, slots=True)
class Deadline:
    """When the wait for Kafka ends (`wait_end`) and when the invocation's work ends (`end`)."""

    wait_end: float
    end: float
    clock: Clock = field(default=time.monotonic, compare=False)

    @classmethod
    def from_remaining_ms(cls, remaining_ms: int, clock: Clock = time.monotonic) -> Deadline:
        """The deadline of an invocation with `remaining_ms` left, read after the container was
        built so that a cold start's set-up is not counted twice."""
        now = clock()
        end = now + max(0.0, remaining_ms / 1000 - RESPONSE_RESERVE_S)
        return cls(min(now + time_budget_s(remaining_ms), end), end, clock)

    @classmethod
    def in_seconds(
        cls, wait_s: float, after_wait_s: float = 0.0, clock: Clock = time.monotonic
    ) -> Deadline:
        """A deadline `wait_s` from now, with `after_wait_s` more for what follows the wait."""
        now = clock()
        return cls(now + wait_s, now + wait_s + after_wait_s, clock)

    def wait_left(self) -> float:
        """Seconds left for waiting on Kafka (0 when passed)."""
        return max(0.0, self.wait_end - self.clock())

    def left(self) -> float:
        """Seconds left for any work of this invocation (0 when passed)."""
        return max(0.0, self.end - self.clock())

    def allows(self, seconds: float) -> bool:
        """Whether a step that may take `seconds` still ends before `end`."""
        return self.left() >= seconds
