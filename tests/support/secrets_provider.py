"""Powertools' `SecretsProvider` as the secret source calls it: each `get` recorded with its
options, answered with the value set last, or failing as Powertools reports an AWS error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError


@dataclass
class ClosableClient:
    """The provider's boto3 client, as far as closing it goes."""

    closed: bool = False

    def close(self) -> None:
        self.closed = True


@dataclass
class RecordingProvider:
    value: Any = '{"username": "alice", "password": "s3cret-canary"}'
    error: str | None = None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    client: ClosableClient = field(default_factory=ClosableClient)

    def get(self, name: str, **options: Any) -> Any:
        self.calls.append((name, options))
        if self.error is not None:
            raise GetParameterError(self.error)
        return self.value
