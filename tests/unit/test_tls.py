"""The TLS context and the handshake watch (adapters/tls.py): strict X.509 on every Python, the
one flag the setting relaxes, and what an operator reads when a handshake fails
(docs/contract.md#kafka-connection). Handshakes against real brokers, under Python 3.13 too, are
in tests/integration/test_tls_strict.py."""

from __future__ import annotations

import ssl

from adapters.tls import HandshakeWatch, tls_context


def verification_error(message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"certificate verify failed: {message}")
    error.verify_message = message
    return error


def alert(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, f"[SSL: {reason}] alert")
    error.reason = reason
    return error


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
