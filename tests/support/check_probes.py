"""Doubles for the probes of `forwarder check` (adapters/deployment_check.py): a TLS context and
socket factory that hand out a chosen peer certificate or failure, an admin client answering
from a topic description, and an SQS client answering GetQueueAttributes."""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaAdminClient

from adapters.tls import watch_handshakes


def not_after(seconds_from_now: float) -> str:
    """A certificate's `notAfter` as `getpeercert()` gives it."""
    return time.strftime("%b %d %H:%M:%S %Y GMT", time.gmtime(time.time() + seconds_from_now))


class _Closing:
    def __enter__(self) -> _Closing:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def close(self) -> None:
        return None


@dataclass
class TlsSocket(_Closing):
    certificate: dict[str, Any] | None

    def getpeercert(self) -> dict[str, Any] | None:
        return self.certificate


@dataclass(eq=False)
class TlsContext:
    """Wraps any socket: the handshake yields `certificate`, or raises `failure` after reporting
    it to the context's watch (as the product's watched sockets do) when `reported`."""

    certificate: dict[str, Any] | None = None
    failure: ssl.SSLError | None = None
    reported: bool = True
    server_hostnames: list[str | None] = field(default_factory=list)
    wrapped: list[object] = field(default_factory=list)
    sslsocket_class: object = None

    def wrap_socket(self, raw: object, *, server_hostname: str | None) -> TlsSocket:
        self.server_hostnames.append(server_hostname)
        self.wrapped.append(raw)
        if self.failure is not None:
            if self.reported:
                watch_handshakes(self).failure = self.failure  # type: ignore[arg-type]
            raise self.failure
        return TlsSocket(self.certificate)


@dataclass
class Connections:
    """`socket.create_connection`'s stand-in: records each address and timeout, or refuses."""

    refusal: OSError | None = None
    made: list[tuple[tuple[str, int], float]] = field(default_factory=list)
    sockets: list[_Closing] = field(default_factory=list)

    def create_connection(self, address: tuple[str, int], timeout: float) -> _Closing:
        self.made.append((address, timeout))
        if self.refusal is not None:
            raise self.refusal
        self.sockets.append(_Closing())
        return self.sockets[-1]


@dataclass
class AdminClient:
    """KafkaAdminClient's stand-in: one topic description, one max.message.bytes answer."""

    description: dict[str, Any]
    configs: dict[str, Any]
    closed: bool = False
    asked: list[tuple[Any, ...]] = field(default_factory=list)

    def describe_topics(self, topics: list[str]) -> list[dict[str, Any]]:
        self.asked.append(("topics", tuple(topics)))
        return [self.description]

    def describe_configs(self, resources: list[Any], config_filter: str) -> dict[str, Any]:
        (resource,) = resources
        self.asked.append(("configs", resource.resource_type, resource.name, config_filter))
        return self.configs

    def close(self) -> None:
        self.closed = True


@dataclass
class Admins:
    """`KafkaAdminClient`'s stand-in as the probe uses it: its DEFAULT_CONFIG, and a call that
    records the configuration and returns `admin` or raises `refusal`."""

    admin: AdminClient
    refusal: Exception | None = None
    configs: list[dict[str, Any]] = field(default_factory=list)
    DEFAULT_CONFIG = KafkaAdminClient.DEFAULT_CONFIG

    def __call__(self, **config: Any) -> AdminClient:
        self.configs.append(config)
        if self.refusal is not None:
            raise self.refusal
        return self.admin


def topic(error_code: int = 0, leaders: tuple[int, ...] = (1, 2), **more: Any) -> dict[str, Any]:
    partitions = [{"partition_index": i, "leader_id": leader} for i, leader in enumerate(leaders)]
    return {"error_code": error_code, "partitions": partitions} | more


def limit(topic_name: str, value: object) -> dict[str, Any]:
    return {"topic": {topic_name: {"max.message.bytes": {"value": value}}}}


@dataclass
class Sqs:
    error: Exception | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def get_queue_attributes(self, **call: Any) -> dict[str, Any]:
        self.calls.append(call)
        if self.error is not None:
            raise self.error
        return {"Attributes": {"QueueArn": "arn:aws:sqs:eu-west-1:123456789012:dlq"}}
