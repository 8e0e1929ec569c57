"""How long a message returned for retry stays hidden before SQS offers it again.

Exponential in the message's receive count, capped, with jitter in the upper half: after receive
n (1 = the first) the delay is a whole number of seconds in [⌈c/2⌉, c], c = min(max, base·2^(n-1)).
The jitter spreads the messages of one outage apart; keeping it in the upper half (rather than
"full" jitter down to 0) gives every message a guaranteed shortest retry horizon, which is what
makes "an outage of this length moves nothing to a dead-letter queue" a promise rather than a
likelihood. See docs/contract.md#backoff.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

# SQS's limit for a visibility timeout, counted from the receive (12 hours).
MAX_VISIBILITY_SECONDS = 43_200
# 2^32 x any base is beyond any cap: the exponent stops growing there (no huge integers).
_MAX_EXPONENT = 32


@dataclass(frozen=True, slots=True)
class Postponement:
    """Hide the message with this receipt handle for `seconds` from now."""

    message_id: str
    receipt_handle: str
    seconds: int


@dataclass(frozen=True, slots=True)
class Backoff:
    """The retry delays of `RETRY_BACKOFF_BASE_SECONDS` and `RETRY_BACKOFF_MAX_SECONDS`."""

    base_seconds: int
    max_seconds: int
    # A number in [0, 1); tests give a fixed one.
    draw: Callable[[], float] = field(default=random.random, compare=False)

    def ceiling(self, receive_count: int) -> int:
        """The longest delay after receive `receive_count` (counts below 1 read as 1)."""
        exponent = min(max(receive_count, 1) - 1, _MAX_EXPONENT)
        return min(self.max_seconds, self.base_seconds << exponent)

    def floor(self, receive_count: int) -> int:
        """The shortest delay after receive `receive_count`: half the ceiling, rounded up."""
        return (self.ceiling(receive_count) + 1) // 2

    def delay(self, receive_count: int) -> int:
        """A delay drawn uniformly from the whole seconds [floor, ceiling]."""
        low, high = self.floor(receive_count), self.ceiling(receive_count)
        return min(high, low + int(self.draw() * (high - low + 1)))

    def shortest_horizon(self, max_receive_count: int) -> int:
        """The least time from a message's first failed receive to its last receive (number
        `max_receive_count`, after which SQS moves it to the dead-letter queue): an outage
        shorter than this moves nothing there, whatever the jitter draws."""
        return sum(self.floor(n) for n in range(1, max_receive_count))

    def longest_horizon(self, max_receive_count: int) -> int:
        """The most time the delays alone may add over `max_receive_count` receives."""
        return sum(self.ceiling(n) for n in range(1, max_receive_count + 1))
