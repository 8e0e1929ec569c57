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

from adapters.tls import ClientCertificateError, load_client_certificate
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
    """Reads `{"username", "password", "ca_pem"?}` from one secret, or with `mtls`
    `{"client_cert_pem", "client_key_pem", "client_key_password"?, "ca_pem"?}`
    (docs/contract.md#the-secret)."""

    def __init__(
        self,
        secret_id: str,
        ttl_s: int,
        provider: SecretsProvider | None = None,
        *,
        mtls: bool = False,
    ) -> None:
        self._secret_id = secret_id
        self._ttl_s = ttl_s
        self._parse = parse_mtls_secret if mtls else parse_secret
        self._provider = provider or SecretsProvider(boto_config=_BOTO_CONFIG)
        self._fetched_at: float | None = None
        # The last value and what it parsed to: a warm invocation does not parse (for mTLS:
        # load the certificate) again while the value is unchanged.
        self._parsed: tuple[Any, Credentials] | None = None
        self._credentials: Credentials | None = None  # what the value fetched last parsed to

    def close(self) -> None:
        """Close the Secrets Manager client's connections (Powertools' provider holds it)."""
        self._provider.client.close()

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
        if self._parsed is not None and self._parsed[0] == raw:
            credentials = self._parsed[1]
        else:
            credentials = self._parse(raw, self._secret_id)
            self._parsed = (raw, credentials)
        self._credentials = credentials
        return credentials

    def _cached(self) -> bool:
        """Whether Powertools still holds the value it fetched last (so `get` makes no call)."""
        fetched = self._fetched_at
        return fetched is not None and time.monotonic() - fetched < self._ttl_s


def _json_object(raw: Any, secret_id: str) -> dict[str, Any]:
    """The secret's value as a JSON object; the error names the secret, never the value."""
    try:
        data = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        raise SecretUnavailable(f"secret {secret_id} is not a JSON object") from None
    if not isinstance(data, dict):
        raise SecretUnavailable(f"secret {secret_id} is not a JSON object")
    return data


def parse_secret(raw: Any, secret_id: str) -> Credentials:
    """Check the secret's shape; errors name the field, never its value."""
    data = _json_object(raw, secret_id)
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


def parse_mtls_secret(raw: Any, secret_id: str) -> Credentials:
    """Check an mTLS secret's shape and that its certificate and key load together (a wrong key
    password fails here, naming the field); errors never show a value."""
    data = _json_object(raw, secret_id)
    for field in ("client_cert_pem", "client_key_pem"):
        if not isinstance(data.get(field), str) or not data[field].strip():
            raise SecretUnavailable(f"secret {secret_id} needs a non-empty PEM string {field!r}")
    for field in ("client_key_password", "ca_pem"):
        if data.get(field) is not None and not isinstance(data[field], str):
            raise SecretUnavailable(f"secret {secret_id}: {field!r} must be a string")
    ca_pem = data.get("ca_pem") or None
    if ca_pem and not holds_certificates(ca_pem):
        raise SecretUnavailable(f"secret {secret_id}: 'ca_pem' holds no PEM certificate")
    password = data.get("client_key_password") or None
    try:
        scratch = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        load_client_certificate(scratch, data["client_cert_pem"], data["client_key_pem"], password)
    except ClientCertificateError as exc:
        fields = "'client_cert_pem', 'client_key_pem', 'client_key_password'"
        raise SecretUnavailable(f"secret {secret_id}: {fields}: {exc}") from None
    return Credentials(
        "",
        "",
        ca_pem,
        client_cert_pem=data["client_cert_pem"],
        client_key_pem=data["client_key_pem"],
        client_key_password=password,
    )
