"""The credentials the secret holds (docs/contract.md#the-secret): never logged, never repr'd."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """SASL credentials and an optional CA from the secret."""

    username: str
    password: str
    ca_pem: str | None = None

    def __repr__(self) -> str:
        return "Credentials(<redacted>)"
