"""The mTLS secret and client certificate loading (adapters/secrets.py, adapters/tls.py): the
shape `{"client_cert_pem", "client_key_pem", "client_key_password"?, "ca_pem"?}`, a key that
must load with its certificate, errors that name fields and never values, and the private
temporary file OpenSSL's loader needs (docs/contract.md#the-secret)."""

from __future__ import annotations

import json
import os
import ssl
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest

from adapters.secrets import SecretsManagerSource, parse_mtls_secret
from adapters.tls import ClientCertificateError, load_client_certificate
from core.deadline import Deadline
from core.errors import SecretUnavailable
from local_stack.certs import CLIENT_KEY_PASSWORD, TlsFiles, make_tls_files
from tests.support.secrets_provider import RecordingProvider

CANARY = "key-password-canary-4417"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """The local stack's TLS material, made with openssl in a scratch folder (no stack runs)."""
    return make_tls_files(tmp_path_factory.mktemp("tls"))


def secret(tls: TlsFiles, **changes: Any) -> dict[str, Any]:
    assert tls.client is not None
    value = {
        "client_cert_pem": tls.client.cert_pem.read_text(encoding="ascii"),
        "client_key_pem": tls.client.encrypted_key_pem.read_text(encoding="ascii"),
        "client_key_password": CLIENT_KEY_PASSWORD,
    }
    return {k: v for k, v in (value | changes).items() if v is not None}


def refusal(raw: dict[str, Any]) -> str:
    with pytest.raises(SecretUnavailable) as raised:
        parse_mtls_secret(json.dumps(raw), "forwarder/mtls")
    return str(raised.value)


def test_an_mtls_secret_gives_the_client_certificate_key_and_password(tls: TlsFiles) -> None:
    credentials = parse_mtls_secret(json.dumps(secret(tls)), "forwarder/mtls")
    assert credentials.client_certificate == (
        secret(tls)["client_cert_pem"],
        secret(tls)["client_key_pem"],
        CLIENT_KEY_PASSWORD,
    )


def test_an_mtls_secret_with_a_plain_key_needs_no_password(tls: TlsFiles) -> None:
    assert tls.client is not None
    plain = secret(tls, client_key_pem=tls.client.key_pem.read_text(), client_key_password=None)
    credentials = parse_mtls_secret(json.dumps(plain), "forwarder/mtls")
    assert credentials.client_key_password is None


def test_an_mtls_secret_keeps_its_optional_ca(tls: TlsFiles) -> None:
    ca = tls.ca_pem.read_text(encoding="ascii")
    assert parse_mtls_secret(json.dumps(secret(tls, ca_pem=ca)), "id").ca_pem == ca


@pytest.mark.parametrize("field", ["client_cert_pem", "client_key_pem"])
def test_an_mtls_secret_without_its_certificate_or_key_names_the_field(
    tls: TlsFiles, field: str
) -> None:
    assert repr(field) in refusal(secret(tls) | {field: ""})


def test_a_wrong_key_password_is_refused_without_showing_it(tls: TlsFiles) -> None:
    message = refusal(secret(tls, client_key_password=CANARY))
    assert "client_key_password" in message
    assert CANARY not in message


def test_an_encrypted_key_without_its_password_is_refused(tls: TlsFiles) -> None:
    assert "client_key_password" in refusal(secret(tls, client_key_password=None))


def test_a_key_of_another_certificate_is_refused(tls: TlsFiles) -> None:
    assert tls.rogue_client is not None
    other = tls.rogue_client.key_pem.read_text(encoding="ascii")
    message = refusal(secret(tls, client_key_pem=other, client_key_password=None))
    assert "do not load together" in message
    assert "PRIVATE KEY" not in message


def test_text_that_is_not_pem_is_refused_without_showing_it(tls: TlsFiles) -> None:
    message = refusal(secret(tls, client_cert_pem="not-a-certificate-canary"))
    assert "not-a-certificate-canary" not in message


def test_an_mtls_secret_that_is_not_json_is_refused_naming_the_secret() -> None:
    with pytest.raises(SecretUnavailable) as raised:
        parse_mtls_secret("not-json-canary", "forwarder/mtls")
    assert str(raised.value) == "secret forwarder/mtls is not a JSON object"


def test_an_mtls_secret_without_a_key_field_is_refused_naming_it(tls: TlsFiles) -> None:
    assert refusal(secret(tls, client_key_pem=None)) == (
        "secret forwarder/mtls needs a non-empty PEM string 'client_key_pem'"
    )


def test_an_mtls_secret_whose_ca_pem_is_not_a_string_is_refused_naming_it(tls: TlsFiles) -> None:
    assert refusal(secret(tls, ca_pem=5)) == "secret forwarder/mtls: 'ca_pem' must be a string"


def test_an_mtls_secret_whose_ca_pem_holds_no_certificate_is_refused_naming_it(
    tls: TlsFiles,
) -> None:
    assert refusal(secret(tls, ca_pem="ca-canary")) == (
        "secret forwarder/mtls: 'ca_pem' holds no PEM certificate"
    )


def test_a_certificate_and_key_that_do_not_load_are_refused_naming_the_fields_and_the_causes(
    tls: TlsFiles,
) -> None:
    assert tls.rogue_client is not None
    other = tls.rogue_client.key_pem.read_text(encoding="ascii")
    message = refusal(secret(tls, client_key_pem=other, client_key_password=None))
    assert message.startswith(
        "secret forwarder/mtls: 'client_cert_pem', 'client_key_pem', 'client_key_password': "
        "the client certificate and key do not load together (not PEM, a key of another "
        "certificate, or a wrong or missing key password): "
    )


def test_a_certificate_with_text_outside_ascii_is_refused_as_not_pem_text(tls: TlsFiles) -> None:
    # OpenSSL would skip text around the PEM blocks; the file is written as ASCII so it cannot.
    cert = secret(tls)["client_cert_pem"]
    assert refusal(secret(tls, client_cert_pem=f"Zertifikat für Kafka\n{cert}")).endswith(
        ": the client certificate or key is not PEM text"
    )


class ReasonlessContext(ssl.SSLContext):
    """Fails to load as OpenSSL does when it names no reason code."""

    def load_cert_chain(self, *args: Any, **kwargs: Any) -> None:
        error = ssl.SSLError(0, "failed")
        error.reason = None  # type: ignore[assignment]  # as the ssl module sets it: no reason
        raise error


def test_a_load_failure_without_an_openssl_reason_is_named_sslerror(tls: TlsFiles) -> None:
    assert tls.client is not None
    with pytest.raises(ClientCertificateError) as raised:
        load_client_certificate(
            ReasonlessContext(ssl.PROTOCOL_TLS_CLIENT),
            tls.client.cert_pem.read_text(),
            tls.client.key_pem.read_text(),
            None,
        )
    assert str(raised.value).endswith("wrong or missing key password): SSLError")


def test_a_password_that_is_not_a_string_is_refused(tls: TlsFiles) -> None:
    assert "'client_key_password' must be a string" in refusal(secret(tls, client_key_password=1))


class SpyContext(ssl.SSLContext):
    """Records the mode of the file the certificate is loaded from, while it exists."""

    modes: list[int]

    def load_cert_chain(self, certfile: Any, *args: Any, **kwargs: Any) -> None:
        self.modes.append(stat.S_IMODE(os.stat(certfile).st_mode))
        super().load_cert_chain(certfile, *args, **kwargs)


def test_the_pem_passes_through_a_file_only_its_owner_reads_deleted_after_loading(
    tls: TlsFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tls.client is not None
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    context = SpyContext(ssl.PROTOCOL_TLS_CLIENT)
    context.modes = []
    load_client_certificate(
        context, tls.client.cert_pem.read_text(), tls.client.key_pem.read_text(), None
    )
    assert context.modes == [0o600]
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_file_is_deleted_when_loading_fails(
    tls: TlsFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(ClientCertificateError):
        load_client_certificate(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "garbage", "garbage", None)
    assert list(tmp_path.iterdir()) == []


def test_an_mtls_source_reads_its_secret_as_an_mtls_secret(tls: TlsFiles) -> None:
    provider = RecordingProvider(value=json.dumps(secret(tls)))
    source = SecretsManagerSource("kafka/mtls", 300, provider, mtls=True)  # type: ignore[arg-type]
    credentials = source.get(Deadline.in_seconds(30.0, 1.0))
    assert credentials.client_certificate is not None
