"""KAFKA_AUTH_METHOD=MTLS in the settings and the producer's configuration: TLS (`SSL`) with the
secret's client certificate, no SASL, and a secret required (docs/contract.md#kafka-connection)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.kafka_producer import Timeouts, producer_config
from adapters.secrets import parse_mtls_secret
from core.credentials import Credentials
from core.errors import SettingsError
from core.settings import AuthMethod, load_settings
from local_stack.certs import TlsFiles, make_tls_files

LAMBDA = {
    "kafka_bootstrap_servers": "b1:9094",
    "kafka_topic": "events",
    "kafka_secret_id": "s",
    "dead_letter_queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
    "kafka_auth_method": "MTLS",
}


@pytest.fixture(scope="module")
def client_credentials(tmp_path_factory: pytest.TempPathFactory) -> Credentials:
    tls: TlsFiles = make_tls_files(tmp_path_factory.mktemp("tls"))
    assert tls.client is not None
    raw = {
        "client_cert_pem": Path(tls.client.cert_pem).read_text(encoding="ascii"),
        "client_key_pem": Path(tls.client.key_pem).read_text(encoding="ascii"),
    }
    return parse_mtls_secret(json.dumps(raw), "forwarder/mtls")


def mtls_config(credentials: Credentials | None) -> dict[str, Any]:
    return producer_config(load_settings("lambda", LAMBDA), credentials, Timeouts.within(30_000))


def test_mtls_is_an_auth_method_without_sasl() -> None:
    settings = load_settings("lambda", LAMBDA)
    assert settings.kafka_auth_method is AuthMethod.MTLS
    assert not settings.uses_sasl


def test_mtls_requires_the_secret_id() -> None:
    without_secret = {k: v for k, v in LAMBDA.items() if k != "kafka_secret_id"}
    with pytest.raises(SettingsError, match="kafka_secret_id"):
        load_settings("lambda", without_secret)


def test_the_mtls_producer_speaks_ssl_without_a_sasl_mechanism(
    client_credentials: Credentials,
) -> None:
    config = mtls_config(client_credentials)
    assert config["security_protocol"] == "SSL"
    assert "sasl_mechanism" not in config


def test_mtls_without_credentials_makes_no_producer_config() -> None:
    with pytest.raises(ValueError, match="client certificate"):
        mtls_config(None)


def test_mtls_credentials_without_a_client_certificate_make_no_producer_config() -> None:
    with pytest.raises(ValueError, match="client certificate"):
        mtls_config(Credentials("alice", "s3cret"))
