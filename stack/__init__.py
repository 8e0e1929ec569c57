"""The local stack: one Apache Kafka node (KRaft, TLS + SASL) and moto, for `make run` and tests."""

from stack.clients import (
    client_config,
    create_topic,
    list_topics,
    read_topic,
    sasl_ssl_answers,
    set_scram_password,
)
from stack.lifecycle import env_vars, in_use, load, start, stop, stop_unless_in_use
from stack.readiness import health, is_healthy
from stack.restart import start_broker, stop_broker
from stack.state import Bootstrap, Credentials, Ports, StackError, StackInfo

__all__ = [
    "Bootstrap",
    "Credentials",
    "Ports",
    "StackError",
    "StackInfo",
    "client_config",
    "create_topic",
    "list_topics",
    "env_vars",
    "health",
    "in_use",
    "is_healthy",
    "load",
    "read_topic",
    "sasl_ssl_answers",
    "set_scram_password",
    "start",
    "start_broker",
    "stop",
    "stop_broker",
    "stop_unless_in_use",
]
