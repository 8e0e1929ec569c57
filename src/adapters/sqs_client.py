"""An SQS client made at its first use and closed with the adapter that holds it.

Most invocations send no dead letter and retry nothing, and a boto3 client costs a cold start
about 60 ms of model loading: the dead-letter sink and the retry scheduler make theirs when
they first need it (docs/benchmarks.md#cold-start).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsOnFirstUse:
    """The client `make` returns, made by the first `get` and kept until `close`."""

    def __init__(self, make: Callable[[], SQSClient]) -> None:
        self._make = make
        self._client: SQSClient | None = None

    def get(self) -> SQSClient:
        if self._client is None:
            self._client = self._make()
        return self._client

    def close(self) -> None:
        """Close the client's connections, if one was made (a later `get` makes a new one)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()
