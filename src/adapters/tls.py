"""TLS for the Kafka connection: the client context, client certificates for mTLS, and a watch
that tells a refused handshake apart from an unreachable broker.

Kept free of kafka-python so that the TLS tests can run this module under the Lambda runtime's
Python (3.13) as well as the development one.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import weakref
from collections.abc import Callable

# Verification messages that strict X.509 checking (VERIFY_X509_STRICT, the default context's
# flag since Python 3.13) adds; a legacy private CA meets them, hence the hint.
_STRICT_ONLY = (
    "Authority Key Identifier",
    "Subject Key Identifier",
    "Basic Constraints",
    "CA cert does not include key usage extension",
    "Certificate Policies",
    "Key Usage",
)
_STRICT_HINT = (
    "; the CA is not fit for strict X.509 checking: reissue it with the missing extensions or "
    "set KAFKA_TLS_STRICT_X509=false"
)
_CLIENT_CERT_ALERTS = (
    "CERTIFICATE_REQUIRED",
    "BAD_CERTIFICATE",
    "CERTIFICATE_UNKNOWN",
    "UNKNOWN_CA",
)


class ClientCertificateError(ValueError):
    """The client certificate or key cannot be loaded; the message names no PEM content."""


def tls_context(
    ca_bundle: str | None,
    ca_pem: str | None,
    *,
    strict_x509: bool = True,
    client_certificate: tuple[str, str, str | None] | None = None,
) -> ssl.SSLContext:
    """Verify the broker's certificate chain and host name; trust `ca_bundle` (else the system
    store) plus any `ca_pem`. With `strict_x509` the chain must pass OpenSSL's strict checks on
    every Python version (3.13's default, set explicitly so 3.11 behaves as Lambda does); without
    it only VERIFY_X509_STRICT is cleared. `client_certificate` is (cert PEM, key PEM, key
    password or None), presented to brokers that ask for one (mTLS)."""
    context = ssl.create_default_context(cafile=ca_bundle)
    if ca_pem:
        context.load_verify_locations(cadata=ca_pem)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    if strict_x509:
        context.verify_flags |= ssl.VERIFY_X509_STRICT
    else:
        context.verify_flags &= ~ssl.VERIFY_X509_STRICT
    if client_certificate is not None:
        load_client_certificate(context, *client_certificate)
    return context


def load_client_certificate(
    context: ssl.SSLContext, cert_pem: str, key_pem: str, key_password: str | None
) -> None:
    """Load a client certificate and its key into `context`. OpenSSL's loader reads files only:
    the PEMs pass through a temporary file that only this user can read (mkstemp: 0600) and that
    is deleted before returning. Raises `ClientCertificateError`."""
    descriptor, path = tempfile.mkstemp(prefix="forwarder-client-", suffix=".pem")
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(cert_pem.strip() + "\n" + key_pem.strip() + "\n")
        # A callable, never None: None lets OpenSSL prompt on a terminal for an encrypted key.
        context.load_cert_chain(path, password=_password(key_password))
    except UnicodeEncodeError:
        raise ClientCertificateError("the client certificate or key is not PEM text") from None
    except ssl.SSLError as exc:
        raise ClientCertificateError(
            "the client certificate and key do not load together (not PEM, a key of another "
            f"certificate, or a wrong or missing key password): {exc.reason or 'SSLError'}"
        ) from None
    finally:
        os.unlink(path)


def _password(key_password: str | None) -> Callable[[], bytes]:
    secret = (key_password or "").encode()
    return lambda: secret


class HandshakeWatch:
    """The last TLS failure met by the sockets of one context (None after a good handshake).

    kafka-python reports a failed handshake as a lost connection and, before the first metadata,
    as a timeout: this is how the producer can say the broker's certificate was refused instead
    of "broker unreachable"."""

    def __init__(self) -> None:
        self.failure: ssl.SSLError | None = None

    def explain(self) -> str | None:
        """What went wrong, for operators (no certificate content), or None when nothing did."""
        failure = self.failure
        if failure is None:
            return None
        if isinstance(failure, ssl.SSLCertVerificationError):
            message = str(failure.verify_message)
            hint = _STRICT_HINT if any(part in message for part in _STRICT_ONLY) else ""
            return f"the broker's TLS certificate was refused: {message}{hint}"
        reason = str(failure.reason or type(failure).__name__)
        if any(alert in reason for alert in _CLIENT_CERT_ALERTS):
            return f"the broker refused the client certificate ({reason})"
        return f"the TLS handshake failed ({reason})"


# The watch of each context whose sockets report to one (weak: a context's watch goes with it).
_WATCHES: weakref.WeakKeyDictionary[ssl.SSLContext, HandshakeWatch] = weakref.WeakKeyDictionary()


class WatchedSSLSocket(ssl.SSLSocket):
    """An SSLSocket that reports its TLS failures to its context's watch."""

    def do_handshake(self, block: bool = False) -> None:
        try:
            super().do_handshake(block)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            raise
        except ssl.SSLError as exc:
            self._report(exc)
            # kafka-python 3.0.12 drops a socket whose handshake failed without closing it.
            self.close()
            raise
        self._report(None)

    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
        # TLS 1.3: a broker refuses a client certificate after the client's handshake completed,
        # so the refusal arrives as an alert on the first read.
        try:
            return super().recv(buflen, flags)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            raise
        except ssl.SSLError as exc:
            self._report(exc)
            raise

    def _report(self, failure: ssl.SSLError | None) -> None:
        watch = _WATCHES.get(self.context)
        if watch is not None:
            watch.failure = failure


def watch_handshakes(context: ssl.SSLContext) -> HandshakeWatch:
    """Make every socket `context` wraps report its TLS failures to the returned watch."""
    watch = _WATCHES.setdefault(context, HandshakeWatch())
    context.sslsocket_class = WatchedSSLSocket
    return watch
