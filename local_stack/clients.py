"""kafka-python helpers against the running stack: client settings, topics, SCRAM users, probes."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any, Literal, cast

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ResourcePattern,
    ResourceType,
    UserScramCredentialUpsertion,
)
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError, TopicAlreadyExistsError

from local_stack.state import StackError, StackInfo

Listener = Literal["sasl_ssl", "ssl", "wronghost", "plaintext"]
_PROTOCOL: dict[Listener, str] = {
    "sasl_ssl": "SASL_SSL",
    "ssl": "SSL",
    "wronghost": "SASL_SSL",
    "plaintext": "PLAINTEXT",
}


def client_config(
    info: StackInfo, listener: Listener = "sasl_ssl", mechanism: str = "SCRAM-SHA-512"
) -> dict[str, Any]:
    """kafka-python keyword arguments to reach `listener` (as the stack's user for `mechanism`)."""
    config: dict[str, Any] = {
        "bootstrap_servers": getattr(info.bootstrap, listener),
        "security_protocol": _PROTOCOL[listener],
    }
    if listener != "plaintext":
        config["ssl_cafile"] = info.ca_file
    if _PROTOCOL[listener] == "SASL_SSL":
        user = info.credentials(mechanism)
        config |= {
            "sasl_mechanism": mechanism,
            "sasl_plain_username": user.username,
            "sasl_plain_password": user.password,
        }
    return config


@contextlib.contextmanager
def _admin(info: StackInfo, **overrides: Any) -> Iterator[Any]:
    """An admin client on the PLAINTEXT listener (set-up and inspection only)."""
    admin = KafkaAdminClient(
        **client_config(info, "plaintext"), bootstrap_timeout_ms=10_000, **overrides
    )
    try:
        yield admin
    finally:
        admin.close()


def create_topic(info: StackInfo, name: str, partitions: int = 3) -> None:
    """Create a topic (replication factor 1) and wait until every partition has a leader.

    An existing topic is left as it is."""
    with _admin(info) as admin:
        try:
            admin.create_topics(
                {name: {"num_partitions": partitions, "replication_factor": 1}},
                wait_for_metadata=True,
            )
        except TopicAlreadyExistsError:
            return


def allow_only(info: StackInfo, topic: str, username: str, operations: tuple[str, ...]) -> None:
    """Give `topic` ACLs allowing `username` only `operations` (e.g. READ, DESCRIBE): with ACLs
    on it, the topic is closed to everything they do not allow."""
    acls = [
        ACL(
            principal=f"User:{username}",
            host="*",
            operation=ACLOperation[operation],
            permission_type=ACLPermissionType.ALLOW,
            resource_pattern=ResourcePattern(ResourceType.TOPIC, topic),
        )
        for operation in operations
    ]
    with _admin(info) as admin:
        result = cast(dict[str, list[Any]], admin.create_acls(acls))
    if result.get("failed"):
        raise StackError(f"could not create ACLs on {topic}: {result['failed']}")


def list_topics(info: StackInfo) -> set[str]:
    """The names of the cluster's topics."""
    with _admin(info) as admin:
        return set(admin.list_topics())


def topic_record_count(info: StackInfo, topic: str) -> int:
    """Records in the topic (end minus beginning offsets over its partitions), without reading
    them."""
    consumer = KafkaConsumer(**client_config(info, "plaintext"), bootstrap_timeout_ms=10_000)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = consumer.end_offsets(partitions)
        starts = consumer.beginning_offsets(partitions)
        return sum(ends[p] - starts[p] for p in partitions)
    finally:
        consumer.close()


def read_topic(info: StackInfo, topic: str, timeout_s: float = 10.0) -> list[ConsumerRecord]:
    """Every record of topic, from the beginning up to its current end, in (partition, offset)
    order; read over PLAINTEXT without a consumer group. Raises TimeoutError if the end is not
    reached in time."""
    consumer = KafkaConsumer(**client_config(info, "plaintext"), enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise StackError(f"topic {topic!r} does not exist")
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        end = cast(dict[Any, int], consumer.end_offsets(assigned))
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in assigned):
            if time.monotonic() > deadline:
                raise TimeoutError(f"read {len(records)} records of {topic!r} in {timeout_s}s")
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()


def set_scram_password(info: StackInfo, mechanism: str, username: str, password: str) -> None:
    """Create or change a SCRAM credential on the running broker (AlterUserScramCredentials)."""
    upsert = UserScramCredentialUpsertion(username, mechanism, password)
    with _admin(info) as admin:
        errors = cast(dict[str, str | None], admin.alter_user_scram_credentials([upsert]))
    if errors.get(username):
        raise StackError(f"could not set {mechanism} password of {username}: {errors[username]}")


def sasl_ssl_answers(info: StackInfo, timeout_ms: int = 2000) -> bool:
    """True if the broker takes a SASL_SSL SCRAM-SHA-512 login and serves the topic's metadata.

    Two kafka-python 3.0.12 traps avoided: a constructor that bootstraps and fails leaves its
    sockets open, and `bootstrap(timeout_ms)` can join a retry loop that has no deadline. With
    api_version given the producer does not bootstrap on construction, and partitions_for()
    waits at most max_block_ms."""
    producer = KafkaProducer(
        **client_config(info, "sasl_ssl", "SCRAM-SHA-512"),
        api_version=(4, 0),
        max_block_ms=timeout_ms,
    )
    try:
        producer.partitions_for(info.topic)
    except KafkaError:
        return False
    finally:
        producer.close(timeout=1)
    return True
