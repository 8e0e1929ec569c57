"""The probes of `forwarder check` (adapters/deployment_check.py,
docs/operations.md#forwarder-check): what each finds and the fix it names, against doubles of
the socket, TLS context, admin client and SQS client. Against a real cluster and moto:
tests/integration/test_check.py."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from kafka import errors as kafka_errors
from kafka.admin import ConfigResourceType

from adapters import deployment_check as probe
from adapters.tls import HandshakeWatch
from core.checks import CheckStep, failed, passed
from tests.support.check_probes import (
    AdminClient,
    Admins,
    Connections,
    Sqs,
    TlsContext,
    limit,
    not_after,
    topic,
)
from tests.support.tls_pair import alert, verification_error

DAY_S = 86_400
CONFIG = {"bootstrap_servers": ["b1:9096"], "security_protocol": "SASL_SSL", "acks": "all"}


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Connections:
    double = Connections()
    monkeypatch.setattr(socket, "create_connection", double.create_connection)
    return double


def admins(monkeypatch: pytest.MonkeyPatch, admin: AdminClient, **more: Any) -> Admins:
    double = Admins(admin, **more)
    monkeypatch.setattr(probe, "KafkaAdminClient", double)
    return double


def kafka_steps(
    monkeypatch: pytest.MonkeyPatch, description: dict[str, Any], configs: dict[str, Any]
) -> list[CheckStep]:
    admins(monkeypatch, AdminClient(description, configs))
    return list(probe.kafka_steps(CONFIG, ["events"], 1_000_000))


def handshake(context: TlsContext) -> CheckStep:
    return probe.handshake("b1", 9096, context)  # type: ignore[arg-type]


# --- split_host_port, resolve, connect ---------------------------------------------------------


def test_a_bootstrap_entry_splits_at_its_last_colon() -> None:
    assert probe.split_host_port("b-1.kafka.example:9096") == ("b-1.kafka.example", 9096)


def test_a_bootstrap_host_keeps_every_letter_of_its_name() -> None:
    assert probe.split_host_port("XBROKERX:9092") == ("XBROKERX", 9092)


def test_an_ipv6_bootstrap_entry_loses_its_brackets() -> None:
    assert probe.split_host_port("[::1]:9092") == ("::1", 9092)


def test_a_resolving_host_lists_its_addresses_once_each_sorted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = [(0, 0, 0, "", (address, 9096)) for address in ("10.0.0.2", "10.0.0.1", "10.0.0.2")]
    asked: list[tuple[object, ...]] = []

    def getaddrinfo(host: str, port: int, *, type: int) -> list[Any]:
        asked.append((host, port, type))
        return answers

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert probe.resolve("b1", 9096) == passed("dns b1", "resolves to 10.0.0.1, 10.0.0.2")
    assert asked == [("b1", 9096, socket.SOCK_STREAM)]


def test_a_host_that_does_not_resolve_fails_with_the_resolvers_words_and_the_dns_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def getaddrinfo(*_args: object, **_kwargs: object) -> list[Any]:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert probe.resolve("nowhere", 9096) == failed(
        "dns nowhere",
        "does not resolve (Name or service not known)",
        "check the host name; in a VPC, the VPC's DNS settings or private hosted zone",
    )


def test_a_resolver_error_without_words_is_shown_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(*_args: object, **_kwargs: object) -> list[Any]:
        raise OSError("resolver gone")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert probe.resolve("b1", 9096).detail == "does not resolve (resolver gone)"


def test_a_port_that_accepts_passes_within_the_probe_timeout(connections: Connections) -> None:
    assert probe.connect("b1", 9096) == passed("tcp b1:9096", "connected")
    assert connections.made == [(("b1", 9096), 5.0)]


def test_a_refused_connection_fails_with_the_network_hint(connections: Connections) -> None:
    connections.refusal = ConnectionRefusedError(111, "Connection refused")
    assert probe.connect("b1", 9096) == failed(
        "tcp b1:9096",
        "no connection (Connection refused)",
        "security groups (egress from the function, ingress on the broker), subnets and "
        "routes to the broker port, or a wrong port for the auth method",
    )


def test_a_connection_error_without_words_is_named_by_its_class(connections: Connections) -> None:
    connections.refusal = TimeoutError()
    assert probe.connect("b1", 9096).detail == "no connection (TimeoutError)"


# --- handshake ---------------------------------------------------------------------------------


def test_a_verified_handshake_reports_the_days_the_certificate_has_left(
    connections: Connections,
) -> None:
    context = TlsContext({"notAfter": not_after(90 * DAY_S + 3_600)})
    assert handshake(context) == passed(
        "tls b1:9096", "chain and host name verified; the certificate expires in 90 days"
    )
    assert context.server_hostnames == ["b1"]
    assert connections.made == [(("b1", 9096), 5.0)]
    assert context.wrapped == connections.sockets


def test_a_certificate_with_thirty_days_left_gets_no_renewal_warning(
    connections: Connections,
) -> None:
    # 20 s over 30 days: whole days of 86,400 s count, so this is 30 days, not 29.
    step = handshake(TlsContext({"notAfter": not_after(30 * DAY_S + 20)}))
    assert step.detail == "chain and host name verified; the certificate expires in 30 days"


def test_a_certificate_with_under_thirty_days_left_says_to_renew_it(
    connections: Connections,
) -> None:
    step = handshake(TlsContext({"notAfter": not_after(29 * DAY_S + 3_600)}))
    assert step.detail == (
        "chain and host name verified; the certificate expires in 29 days (renew it: under 30 days)"
    )


def test_a_refused_connection_fails_the_tls_step(connections: Connections) -> None:
    connections.refusal = ConnectionRefusedError(111, "Connection refused")
    step = handshake(TlsContext())
    assert step == failed(
        "tls b1:9096",
        "the TLS handshake failed (ConnectionRefusedError)",
        "trust the broker's CA: KAFKA_CA_BUNDLE, or ca_pem in the secret",
    )


@pytest.mark.parametrize(
    ("failure", "hint"),
    [
        (
            verification_error("unable to get local issuer certificate"),
            "trust the broker's CA: KAFKA_CA_BUNDLE, or ca_pem in the secret",
        ),
        (
            verification_error("Missing Authority Key Identifier"),
            "reissue the CA with the extensions strict X.509 needs, or KAFKA_TLS_STRICT_X509=false",
        ),
        (
            verification_error("Hostname mismatch, certificate is not valid for 'b1'."),
            "use a bootstrap host name that the broker certificate names (its SAN)",
        ),
        (
            verification_error("IP address mismatch, certificate is not valid for '10.0.0.1'."),
            "use a bootstrap host name that the broker certificate names (its SAN)",
        ),
        (
            alert("TLSV13_ALERT_CERTIFICATE_REQUIRED"),
            "client_cert_pem must be signed by a CA the broker trusts, with client_key_pem",
        ),
    ],
    ids=["untrusted-ca", "strict-x509", "host-name", "ip-address", "client-certificate"],
)
def test_a_refused_handshake_is_explained_by_the_watch_with_the_matching_fix(
    connections: Connections, failure: ssl.SSLError, hint: str
) -> None:
    watch = HandshakeWatch()
    watch.failure = failure
    assert handshake(TlsContext(failure=failure)) == failed(
        "tls b1:9096", str(watch.explain()), hint
    )


def test_a_handshake_failure_the_watch_did_not_see_is_named_by_its_class(
    connections: Connections,
) -> None:
    step = handshake(TlsContext(failure=ssl.SSLEOFError(8, "EOF"), reported=False))
    assert step.detail == "the TLS handshake failed (SSLEOFError)"


# --- kafka_steps: authentication, topic, limit, write permission -------------------------------


def test_the_admin_session_gets_the_producers_connection_settings_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    double = admins(monkeypatch, AdminClient(topic(), limit("events", 1_000_000)))
    list(probe.kafka_steps(CONFIG, ["events"], 1_000_000))
    assert double.configs == [
        {
            "bootstrap_servers": ["b1:9096"],
            "security_protocol": "SASL_SSL",
            "bootstrap_timeout_ms": 10_000,
        }
    ]


def test_a_refused_session_fails_authentication_and_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    refusal = kafka_errors.KafkaTimeoutError()
    admins(monkeypatch, AdminClient(topic(), {}), refusal=refusal)
    assert list(probe.kafka_steps(CONFIG, ["events"], 1_000_000)) == [
        failed(
            "authentication",
            "no session with the cluster (KafkaTimeoutError)",
            "the secret's credentials (user, password or client certificate) and the auth method "
            "the listener expects (KAFKA_AUTH_METHOD, the bootstrap port)",
        )
    ]


def test_a_writable_topic_passes_every_step(monkeypatch: pytest.MonkeyPatch) -> None:
    described = topic(authorized_operations={"WRITE", "DESCRIBE"})
    steps = kafka_steps(monkeypatch, described, limit("events", 1_048_588))
    assert steps == [
        passed("authentication", "logged in (SASL_SSL)"),
        passed("topic events", "events exists, 2 partitions, each with a leader"),
        passed("topic limit events", "max.message.bytes 1048588 >= 1000000"),
        passed("write permission events", "WRITE allowed on events (idempotent writes with it)"),
    ]


def test_the_admin_session_is_closed_after_the_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    admin = AdminClient(topic(authorized_operations={"WRITE"}), limit("events", 1_000_000))
    admins(monkeypatch, admin)
    list(probe.kafka_steps(CONFIG, ["events"], 1_000_000))
    assert admin.closed


def test_the_topic_is_described_then_its_configuration_read_in_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = AdminClient(topic(authorized_operations={"WRITE"}), limit("events", 1_000_000))
    admins(monkeypatch, admin)
    list(probe.kafka_steps(CONFIG, ["events"], 1_000_000))
    assert admin.asked == [
        ("topics", ("events",)),
        ("configs", ConfigResourceType.TOPIC, "events", "all"),
    ]


def test_a_missing_topic_fails_with_create_it(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = kafka_steps(monkeypatch, topic(error_code=3), {})
    assert steps[1:] == [
        failed("topic events", "events does not exist", "create it: the forwarder never does")
    ]


def test_a_topic_the_principal_may_not_describe_fails_with_the_grants(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    steps = kafka_steps(monkeypatch, topic(error_code=29), {})
    assert steps[1:] == [
        failed("topic events", "events may not be described", "grant DESCRIBE and WRITE on it")
    ]


def test_partitions_without_a_leader_fail_the_topic_step_by_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    steps = kafka_steps(monkeypatch, topic(leaders=(1, -1, 0, -1)), {})
    assert steps[1:] == [
        failed("topic events", "partitions [1, 3] have no leader", "the cluster's health")
    ]


def test_a_topic_limit_under_the_setting_fails_with_both_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    steps = kafka_steps(monkeypatch, topic(), limit("events", "999999"))
    assert steps[2:] == [
        failed(
            "topic limit events",
            "max.message.bytes 999999 < KAFKA_MAX_MESSAGE_BYTES 1000000",
            "lower KAFKA_MAX_MESSAGE_BYTES or raise the topic's max.message.bytes",
        ),
        failed(
            "write permission events",
            "the principal may not write to events (allowed: )",
            "grant WRITE on the topic (and IDEMPOTENT_WRITE on the cluster) to the principal",
        ),
    ]


def test_a_topic_limit_equal_to_the_setting_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = kafka_steps(monkeypatch, topic(), limit("events", 1_000_000))
    assert steps[2] == passed("topic limit events", "max.message.bytes 1000000 >= 1000000")


@pytest.mark.parametrize(
    "configs",
    [{}, {"topic": {}}, {"topic": {"events": {}}}, {"topic": {"events": {"max.message.bytes": 7}}},
     limit("events", None), limit("other", 1)],
    ids=["no-answer", "no-topics", "no-keys", "not-an-entry", "no-value", "another-topic"],
)  # fmt: skip
def test_an_unreadable_topic_limit_is_not_checked(
    monkeypatch: pytest.MonkeyPatch, configs: dict[str, Any]
) -> None:
    steps = kafka_steps(monkeypatch, topic(), configs)
    assert steps[2] == passed("topic limit events", "max.message.bytes not readable: not checked")


def test_a_principal_without_write_fails_listing_what_it_may_do_sorted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    described = topic(authorized_operations={"READ", "DESCRIBE"})
    steps = kafka_steps(monkeypatch, described, limit("events", 1_000_000))
    assert steps[3] == failed(
        "write permission events",
        "the principal may not write to events (allowed: DESCRIBE, READ)",
        "grant WRITE on the topic (and IDEMPOTENT_WRITE on the cluster) to the principal",
    )


def test_unknown_authorized_operations_count_as_no_write(monkeypatch: pytest.MonkeyPatch) -> None:
    described = topic(authorized_operations=None)
    steps = kafka_steps(monkeypatch, described, limit("events", 1_000_000))
    assert steps[3].detail == "the principal may not write to events (allowed: )"


# --- queue_exists ------------------------------------------------------------------------------

URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq"


def test_a_readable_queue_exists() -> None:
    sqs = Sqs()
    assert probe.queue_exists(sqs, "dead-letter queue", URL) == passed(
        "dead-letter queue", f"{URL} exists"
    )
    assert sqs.calls == [{"QueueUrl": URL, "AttributeNames": ["QueueArn"]}]


def test_a_missing_queue_fails_with_the_error_code_and_the_permission() -> None:
    error = ClientError(
        {"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue", "Message": "gone"}},
        "GetQueueAttributes",
    )
    assert probe.queue_exists(Sqs(error), "dead-letter queue", URL) == failed(
        "dead-letter queue",
        f"{URL} not reachable (AWS.SimpleQueueService.NonExistentQueue)",
        "the queue URL and sqs:GetQueueAttributes",
    )


def test_an_unreachable_endpoint_is_named_by_its_class() -> None:
    error = EndpointConnectionError(endpoint_url=URL)
    step = probe.queue_exists(Sqs(error), "dead-letter queue", URL)
    assert step.detail == f"{URL} not reachable (EndpointConnectionError)"


def test_an_answer_without_an_error_code_is_named_by_its_class() -> None:
    error = ClientError({"Error": {"Message": "throttled"}}, "GetQueueAttributes")
    step = probe.queue_exists(Sqs(error), "dead-letter queue", URL)
    assert step.detail == f"{URL} not reachable (ClientError)"
