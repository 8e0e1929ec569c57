"""MSK IAM authentication: SASL OAUTHBEARER tokens made by AWS's signer library from the
function's role credentials, reused until shortly before they expire.

A token is a presigned SigV4 URL for `kafka-cluster:Connect` on `kafka.<region>.amazonaws.com`,
valid for 15 minutes (docs/providers.md). kafka-python asks for a token at every login and
every re-authentication the broker schedules (KIP-368), from its network thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from aws_msk_iam_sasl_signer import MSKAuthTokenProvider  # type: ignore[import-untyped]
from kafka.net.sasl.oauth import AbstractTokenProvider

# (token, expiry in epoch milliseconds), as the signer returns them.
TokenSource = Callable[[str], tuple[str, int]]
Clock = Callable[[], float]

# A token is replaced once less than this share of its life is left (3 minutes of 15), so a
# login never presents a token that expires while the broker checks it.
REFRESH_SHARE = 0.2
# ...and at least this many seconds before its expiry, whatever its life.
MIN_REFRESH_S = 60.0


def signer_token(region: str) -> tuple[str, int]:
    """A token from the signer library for the default credentials (the function's role)."""
    token, expiry_ms = MSKAuthTokenProvider.generate_auth_token(region)
    return str(token), int(expiry_ms)


class MskIamTokens(AbstractTokenProvider):  # type: ignore[misc]
    """The token kafka-python presents at each login; thread-safe, one per container."""

    def __init__(
        self, region: str, source: TokenSource = signer_token, clock: Clock = time.time
    ) -> None:
        super().__init__()
        self._region = region
        self._source = source
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    def token(self) -> str:
        """The current token, made anew when none is held or it is close to its expiry.
        Raises what the signer raises (no credentials, no region)."""
        with self._lock:
            now = self._clock()
            if self._token is None or now >= self._refresh_at:
                token, expiry_ms = self._source(self._region)
                life_s = max(0.0, expiry_ms / 1000 - now)
                self._refresh_at = now + life_s - max(MIN_REFRESH_S, life_s * REFRESH_SHARE)
                self._token = token
            return self._token
