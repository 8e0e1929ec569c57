"""The probes of `forwarder check`: DNS, TCP and TLS per bootstrap broker, then one admin
session for authentication and the topic, and the dead-letter queue. Each returns `CheckStep`s
with a fix hint on failure; none prints or returns a secret value."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator, Sequence
from typing import Any

from kafka import KafkaAdminClient
from kafka import errors as kafka_errors
from kafka.admin import ConfigResource, ConfigResourceType

from adapters.tls import watch_handshakes
from core.checks import CheckStep, failed, passed

_TIMEOUT_S = 5.0
# Kafka error codes of a topic in a metadata answer.
_UNKNOWN_TOPIC, _TOPIC_NOT_AUTHORIZED = 3, 29
_NO_LEADER = -1
_EXPIRY_WARNING_DAYS = 30


def split_host_port(entry: str) -> tuple[str, int]:
    host, port = entry.rsplit(":", 1)
    return host.strip("[]"), int(port)


def resolve(host: str, port: int) -> CheckStep:
    name = f"dns {host}"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return failed(
            name,
            f"does not resolve ({exc.strerror or exc})",
            "check the host name; in a VPC, the VPC's DNS settings or private hosted zone",
        )
    return passed(name, "resolves to " + ", ".join(sorted({str(i[4][0]) for i in infos})))


def connect(host: str, port: int) -> CheckStep:
    name = f"tcp {host}:{port}"
    try:
        socket.create_connection((host, port), timeout=_TIMEOUT_S).close()
    except OSError as exc:
        return failed(
            name,
            f"no connection ({exc.strerror or type(exc).__name__})",
            "security groups (egress from the function, ingress on the broker), subnets and "
            "routes to the broker port, or a wrong port for the auth method",
        )
    return passed(name, "connected")


def handshake(host: str, port: int, context: ssl.SSLContext) -> CheckStep:
    """TLS with the forwarder's own context: the chain, the host name, days to expiry."""
    name = f"tls {host}:{port}"
    watch = watch_handshakes(context)
    try:
        with (
            socket.create_connection((host, port), timeout=_TIMEOUT_S) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            certificate = tls.getpeercert() or {}
    except (ssl.SSLError, OSError) as exc:
        why = watch.explain() or f"the TLS handshake failed ({type(exc).__name__})"
        return failed(name, why, _tls_hint(why))
    days = int((ssl.cert_time_to_seconds(str(certificate["notAfter"])) - time.time()) // 86_400)
    soon = f" (renew it: under {_EXPIRY_WARNING_DAYS} days)" if days < _EXPIRY_WARNING_DAYS else ""
    return passed(
        name, f"chain and host name verified; the certificate expires in {days} days{soon}"
    )


def _tls_hint(why: str) -> str:
    if "KAFKA_TLS_STRICT_X509" in why:
        return (
            "reissue the CA with the extensions strict X.509 needs, or KAFKA_TLS_STRICT_X509=false"
        )
    if "Hostname mismatch" in why or "IP address mismatch" in why:
        return "use a bootstrap host name that the broker certificate names (its SAN)"
    if "client certificate" in why:
        return "client_cert_pem must be signed by a CA the broker trusts, with client_key_pem"
    return "trust the broker's CA: KAFKA_CA_BUNDLE, or ca_pem in the secret"


def kafka_steps(
    config: dict[str, Any], topics: Sequence[str], max_message_bytes: int
) -> Iterator[CheckStep]:
    """Authentication, then each of `topics` in order (KAFKA_TOPIC, then each routed one): it
    exists, has leaders, takes records of `max_message_bytes`, and the principal may write to it
    (idempotently); each step names its topic. No record is sent."""
    admin_config = {k: v for k, v in config.items() if k in KafkaAdminClient.DEFAULT_CONFIG}
    try:
        admin = KafkaAdminClient(**admin_config, bootstrap_timeout_ms=int(_TIMEOUT_S * 2000))
    except kafka_errors.KafkaError as exc:
        yield failed(
            "authentication",
            f"no session with the cluster ({type(exc).__name__})",
            "the secret's credentials (user, password or client certificate) and the auth method "
            "the listener expects (KAFKA_AUTH_METHOD, the bootstrap port)",
        )
        return
    try:
        yield passed("authentication", f"logged in ({config['security_protocol']})")
        for topic in topics:
            yield from _topic_steps(admin, topic, max_message_bytes)
    finally:
        admin.close()


def _topic_steps(admin: Any, topic: str, max_message_bytes: int) -> Iterator[CheckStep]:
    name = f"topic {topic}"
    (described,) = admin.describe_topics([topic])
    if described["error_code"] == _UNKNOWN_TOPIC:
        yield failed(name, f"{topic} does not exist", "create it: the forwarder never does")
        return
    if described["error_code"] == _TOPIC_NOT_AUTHORIZED:
        yield failed(name, f"{topic} may not be described", "grant DESCRIBE and WRITE on it")
        return
    partitions = described["partitions"]
    leaderless = [p["partition_index"] for p in partitions if p["leader_id"] == _NO_LEADER]
    if leaderless:
        yield failed(name, f"partitions {leaderless} have no leader", "the cluster's health")
        return
    yield passed(name, f"{topic} exists, {len(partitions)} partitions, each with a leader")
    yield _limit_step(admin, topic, max_message_bytes)
    operations = set(described.get("authorized_operations") or ())
    if "WRITE" not in operations:
        yield failed(
            f"write permission {topic}",
            f"the principal may not write to {topic} (allowed: {', '.join(sorted(operations))})",
            "grant WRITE on the topic (and IDEMPOTENT_WRITE on the cluster) to the principal",
        )
        return
    yield passed(
        f"write permission {topic}", f"WRITE allowed on {topic} (idempotent writes with it)"
    )


def _limit_step(admin: Any, topic: str, max_message_bytes: int) -> CheckStep:
    name = f"topic limit {topic}"
    resource = ConfigResource(ConfigResourceType.TOPIC, topic, configs=None)
    described = admin.describe_configs([resource], config_filter="all")
    value = _config_value(described, topic, "max.message.bytes")
    if value is None:
        return passed(name, "max.message.bytes not readable: not checked")
    if int(value) < max_message_bytes:
        return failed(
            name,
            f"max.message.bytes {value} < KAFKA_MAX_MESSAGE_BYTES {max_message_bytes}",
            "lower KAFKA_MAX_MESSAGE_BYTES or raise the topic's max.message.bytes",
        )
    return passed(name, f"max.message.bytes {value} >= {max_message_bytes}")


def _config_value(described: Any, topic: str, key: str) -> str | None:
    """`key`'s value in describe_configs' answer: {"topic": {topic: {key: {"value": ...}}}}."""
    entry = described.get("topic", {}).get(topic, {}).get(key)
    value = entry.get("value") if isinstance(entry, dict) else None
    return None if value is None else str(value)


def queue_exists(sqs: Any, name: str, url: str) -> CheckStep:
    try:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    except Exception as exc:  # botocore's ClientError or a connection error: both mean no queue
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
        return failed(
            name, f"{url} not reachable ({code})", "the queue URL and sqs:GetQueueAttributes"
        )
    return passed(name, f"{url} exists")
