"""The secret source behind `core.ports.SecretSource`: Secrets Manager through Powertools'
parameters utility, cached in memory for a bounded time, refetched on demand (rotation)."""

from __future__ import annotations

import json
import ssl
import time
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.config import Config

from core.credentials import Credentials
from core.deadline import Deadline
from core.errors import SecretUnavailable

# Fail fast: a slow Secrets Manager must not eat the invocation's time budget.
_CONNECT_S, _READ_S, _ATTEMPTS = 1, 2, 2
_BOTO_CONFIG = Config(
    connect_timeout=_CONNECT_S, read_timeout=_READ_S, retries={"max_attempts": _ATTEMPTS}
)
# How long one attempt can take: a fetch is not started with less time than this left (a retry
# past the deadline is cut by Lambda's timeout, which redelivers the batch: nothing is lost).
WORST_READ_S = float(_CONNECT_S + _READ_S)


class SecretsManagerSource:
    """Reads `{"username", "password", "ca_pem"?}` from one secret (docs/contract.md#the-secret)."""

    def __init__(self, secret_id: str, ttl_s: int, provider: SecretsProvider | None = None) -> None:
        self._secret_id = secret_id
        self._ttl_s = ttl_s
        self._provider = provider or SecretsProvider(boto_config=_BOTO_CONFIG)
        self._fetched_at: float | None = None
        self._credentials: Credentials | None = None  # parsed from the value fetched last

    def get(self, deadline: Deadline, *, refresh: bool = False) -> Credentials:
        fetch = refresh or self._ttl_s == 0 or not self._cached()
        if not fetch and self._credentials is not None:
            return self._credentials  # every warm invocation: no lookup, no parse
        if fetch and not deadline.allows(WORST_READ_S):
            raise SecretUnavailable(f"too little time left to read secret {self._secret_id}")
        try:
            raw = self._provider.get(
                self._secret_id,
                max_age=self._ttl_s,
                force_fetch=refresh or self._ttl_s == 0,
                VersionStage="AWSCURRENT",
            )
        except GetParameterError as exc:
            # The message is the AWS error (access denied, not found), never the value.
            raise SecretUnavailable(f"cannot read secret {self._secret_id}: {exc}") from None
        self._credentials = None  # a value that does not parse is never served
        if fetch:
            self._fetched_at = time.monotonic()
        self._credentials = parse_secret(raw, self._secret_id)
        return self._credentials

    def _cached(self) -> bool:
        """Whether Powertools still holds the value it fetched last (so `get` makes no call)."""
        fetched = self._fetched_at
        return fetched is not None and time.monotonic() - fetched < self._ttl_s


def parse_secret(raw: Any, secret_id: str) -> Credentials:
    """Check the secret's shape; errors name the field, never its value."""
    try:
        data = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        raise SecretUnavailable(f"secret {secret_id} is not a JSON object") from None
    if not isinstance(data, dict):
        raise SecretUnavailable(f"secret {secret_id} is not a JSON object")
    for field in ("username", "password"):
        if not isinstance(data.get(field), str) or not data[field]:
            raise SecretUnavailable(f"secret {secret_id} needs a non-empty string {field!r}")
    ca_pem = data.get("ca_pem")
    if ca_pem is not None and not isinstance(ca_pem, str):
        raise SecretUnavailable(f"secret {secret_id}: 'ca_pem' must be PEM text")
    if ca_pem and not holds_certificates(ca_pem):
        # Unusable until it is fixed: a retry, never a TLS error at every produce.
        raise SecretUnavailable(f"secret {secret_id}: 'ca_pem' holds no PEM certificate")
    return Credentials(data["username"], data["password"], ca_pem or None)


@lru_cache(maxsize=4)  # the secret is parsed at every invocation; its CA rarely changes
def holds_certificates(pem: str) -> bool:
    """Whether OpenSSL reads `pem` as PEM text holding at least one certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # empty: counts only these certificates
    try:
        context.load_verify_locations(cadata=pem)
    except (ssl.SSLError, ValueError):
        return False
    return context.cert_store_stats()["x509"] > 0
