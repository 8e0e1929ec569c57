"""The local stack: one Apache Kafka node (KRaft, TLS + SASL) and moto, for `make run` and tests."""

from local_stack.clients import (
    allow_only,
    client_config,
    create_topic,
    list_topics,
    read_topic,
    sasl_ssl_answers,
    set_scram_password,
    topic_record_count,
)
from local_stack.lifecycle import env_vars, in_use, load, start, stop, stop_unless_in_use
from local_stack.readiness import health, is_healthy
from local_stack.restart import start_broker, stop_broker
from local_stack.state import Bootstrap, Credentials, Ports, StackError, StackInfo

__all__ = [
    "Bootstrap",
    "Credentials",
    "Ports",
    "StackError",
    "StackInfo",
    "allow_only",
    "client_config",
    "create_topic",
    "env_vars",
    "health",
    "in_use",
    "is_healthy",
    "list_topics",
    "load",
    "read_topic",
    "sasl_ssl_answers",
    "set_scram_password",
    "start",
    "start_broker",
    "stop",
    "stop_broker",
    "stop_unless_in_use",
    "topic_record_count",
]
