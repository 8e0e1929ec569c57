"""A TLS server on one end of a socket pair, in a thread: what the handshake-watch unit tests
talk to (no network, no port); and the TLS errors a refused handshake raises, as `ssl` makes
them."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_context(
    certificate: Path, key: Path, *, client_ca: Path | None = None
) -> ssl.SSLContext:
    """TLS 1.3 with `certificate`; with `client_ca`, a client certificate it signed is required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(certificate, key)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    return context


@contextmanager
def tls_server(context: ssl.SSLContext, reply: bytes = b"ok") -> Iterator[socket.socket]:
    """The client end of a socket pair whose other end runs a TLS handshake with `context` and
    sends `reply`; a failed handshake just ends the server (the client sees the alert)."""
    client, server = socket.socketpair()

    def serve() -> None:
        try:
            with context.wrap_socket(server, server_side=True) as tls:
                tls.sendall(reply)
        except (ssl.SSLError, OSError):
            server.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield client
    finally:
        client.close()
        thread.join(5)


@contextmanager
def silent_server() -> Iterator[socket.socket]:
    """The client end of a socket pair whose other end never answers."""
    client, server = socket.socketpair()
    try:
        yield client
    finally:
        client.close()
        server.close()


def verification_error(message: str) -> ssl.SSLCertVerificationError:
    """What a client raises when it refuses the server's certificate for `message`."""
    error = ssl.SSLCertVerificationError(1, f"certificate verify failed: {message}")
    error.verify_message = message
    return error


def alert(reason: str) -> ssl.SSLError:
    """What a client raises when the server sends the TLS alert `reason`."""
    error = ssl.SSLError(1, f"[SSL: {reason}] alert")
    error.reason = reason
    return error
