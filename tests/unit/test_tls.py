"""The TLS context and the handshake watch (adapters/tls.py): strict X.509 on every Python, the
one flag the setting relaxes, and what an operator reads when a handshake fails
(docs/contract.md#kafka-connection). Handshakes against real brokers, under Python 3.13 too, are
in tests/integration/test_tls_strict.py."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from adapters.tls import HandshakeWatch, WatchedSSLSocket, tls_context, watch_handshakes
from tests.support.certificates import self_signed_server
from tests.support.tls_pair import (
    alert,
    server_context,
    silent_server,
    tls_server,
    verification_error,
)


def watched(failure: ssl.SSLError | None) -> HandshakeWatch:
    watch = HandshakeWatch()
    watch.failure = failure
    return watch


def test_strict_x509_checking_is_on_by_default_whatever_the_python() -> None:
    assert tls_context(None, None).verify_flags & ssl.VERIFY_X509_STRICT


def test_strict_x509_off_clears_that_flag_and_no_other() -> None:
    strict = tls_context(None, None).verify_flags
    relaxed = tls_context(None, None, strict_x509=False).verify_flags
    assert relaxed == strict & ~ssl.VERIFY_X509_STRICT


def test_strict_x509_off_still_verifies_the_chain_and_the_host_name() -> None:
    context = tls_context(None, None, strict_x509=False)
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)


def test_a_watch_without_a_failure_explains_nothing() -> None:
    assert watched(None).explain() is None


def test_a_missing_authority_key_identifier_is_explained_with_the_setting_that_relaxes_it() -> None:
    explained = watched(verification_error("Missing Authority Key Identifier")).explain()
    assert explained is not None
    assert "refused: Missing Authority Key Identifier" in explained
    assert "KAFKA_TLS_STRICT_X509=false" in explained


def test_an_untrusted_ca_is_explained_without_the_strict_hint() -> None:
    explained = watched(verification_error("unable to get local issuer certificate")).explain()
    assert explained == (
        "the broker's TLS certificate was refused: unable to get local issuer certificate"
    )


def test_a_broker_alert_about_our_certificate_says_the_client_certificate_was_refused() -> None:
    explained = watched(alert("TLSV13_ALERT_CERTIFICATE_REQUIRED")).explain()
    assert (
        explained == "the broker refused the client certificate (TLSV13_ALERT_CERTIFICATE_REQUIRED)"
    )


def test_another_tls_failure_is_explained_as_a_failed_handshake() -> None:
    explained = watched(alert("WRONG_VERSION_NUMBER")).explain()
    assert explained == "the TLS handshake failed (WRONG_VERSION_NUMBER)"


def test_a_tls_failure_without_a_reason_code_is_named_by_its_class() -> None:
    # OpenSSL gives no reason code when the connection itself fails mid-handshake.
    failure = ssl.SSLSyscallError(5, "EOF occurred in violation of protocol")
    failure.reason = None  # type: ignore[assignment]  # typeshed says str; OpenSSL may set none
    assert watched(failure).explain() == "the TLS handshake failed (SSLSyscallError)"


# --- the watched sockets, in real handshakes over a socket pair --------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_server(tmp_path_factory.mktemp("tls"))


def test_a_refused_broker_certificate_is_reported_to_the_contexts_watch(
    certificate: tuple[Path, Path],
) -> None:
    context = tls_context(None, None)  # the system store: the test certificate is not trusted
    watch = watch_handshakes(context)
    with tls_server(server_context(*certificate)) as raw:
        tls = context.wrap_socket(raw, server_hostname="localhost", do_handshake_on_connect=False)
        with pytest.raises(ssl.SSLCertVerificationError):
            tls.do_handshake()
    assert isinstance(watch.failure, ssl.SSLCertVerificationError)


def test_a_failed_handshake_closes_its_socket(certificate: tuple[Path, Path]) -> None:
    context = tls_context(None, None)
    watch_handshakes(context)
    with tls_server(server_context(*certificate)) as raw:
        tls = context.wrap_socket(raw, server_hostname="localhost", do_handshake_on_connect=False)
        with pytest.raises(ssl.SSLCertVerificationError):
            tls.do_handshake()
        assert tls.fileno() == -1  # kafka-python drops such a socket without closing it


def test_a_good_handshake_clears_the_watchs_earlier_failure(certificate: tuple[Path, Path]) -> None:
    context = tls_context(str(certificate[0]), None)
    watch = watch_handshakes(context)
    watch.failure = alert("SSLV3_ALERT_HANDSHAKE_FAILURE")
    with (
        tls_server(server_context(*certificate), reply=b"ok") as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.recv(2) == b"ok"
    assert watch.failure is None


def test_a_client_certificate_refused_after_the_handshake_is_reported_from_the_first_read(
    certificate: tuple[Path, Path],
) -> None:
    context = tls_context(str(certificate[0]), None)  # presents no client certificate
    watch = watch_handshakes(context)
    requiring = server_context(*certificate, client_ca=certificate[0])
    with (
        tls_server(requiring) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,  # TLS 1.3: completes
        pytest.raises(ssl.SSLError),
    ):
        tls.recv(4)
    assert watch.explain() == (
        "the broker refused the client certificate (TLSV13_ALERT_CERTIFICATE_REQUIRED)"
    )


def test_a_handshake_that_must_wait_for_the_broker_returns_at_once_unreported() -> None:
    context = tls_context(None, None)
    watch = watch_handshakes(context)
    with silent_server() as raw:
        raw.setblocking(False)  # as kafka-python's sockets are
        tls = context.wrap_socket(raw, server_hostname="localhost", do_handshake_on_connect=False)
        with pytest.raises(ssl.SSLWantReadError):
            tls.do_handshake()
    assert watch.failure is None


def test_a_socket_of_an_unwatched_context_handshakes_as_usual(
    certificate: tuple[Path, Path],
) -> None:
    context = tls_context(str(certificate[0]), None)
    context.sslsocket_class = WatchedSSLSocket  # no watch registered for it
    with (
        tls_server(server_context(*certificate), reply=b"ok") as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.recv(2) == b"ok"
