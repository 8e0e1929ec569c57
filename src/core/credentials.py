"""The credentials the secret holds (docs/contract.md#the-secret): never logged, never repr'd."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """SASL credentials, or a client certificate (mTLS), and an optional CA from the secret."""

    username: str
    password: str
    ca_pem: str | None = None
    # mTLS (KAFKA_AUTH_METHOD=MTLS): PEM certificate and key, and the key's password if any.
    client_cert_pem: str | None = None
    client_key_pem: str | None = None
    client_key_password: str | None = None

    def __repr__(self) -> str:
        return "Credentials(<redacted>)"

    @property
    def client_certificate(self) -> tuple[str, str, str | None] | None:
        """(certificate PEM, key PEM, key password or None) when the secret holds one."""
        if self.client_cert_pem is None or self.client_key_pem is None:
            return None
        return (self.client_cert_pem, self.client_key_pem, self.client_key_password)
