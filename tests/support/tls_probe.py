"""A TLS handshake with the product's `adapters.tls.tls_context`, run as a script so that it can
run under the Lambda runtime's Python (3.13) with PYTHONPATH=src (no third-party import).

Argument: a JSON object {"bootstrap": "host:port", "ca_bundle": path, "strict_x509": bool,
"client_cert": path?, "client_key": path?, "key_password": str?}. Prints one JSON line:
{"python": "3.13", "ok": bool, "explained": str|null}. With a client certificate it also sends a
Kafka ApiVersions request and reads the answer, since TLS 1.3 brokers refuse a client
certificate only after the client's side of the handshake.
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
from pathlib import Path

from adapters.tls import tls_context, watch_handshakes

# ApiVersions v0, correlation id 1, no client id: any Kafka broker answers it.
_API_VERSIONS = bytes.fromhex("0000000a00120000000000010000")


def probe(options: dict[str, object]) -> dict[str, object]:
    host, port = str(options["bootstrap"]).rsplit(":", 1)
    client = None
    if options.get("client_cert"):
        client = (
            Path(str(options["client_cert"])).read_text(encoding="ascii"),
            Path(str(options["client_key"])).read_text(encoding="ascii"),
            str(options["key_password"]) if options.get("key_password") else None,
        )
    context = tls_context(
        str(options["ca_bundle"]),
        None,
        strict_x509=bool(options.get("strict_x509", True)),
        client_certificate=client,
    )
    watch = watch_handshakes(context)
    try:
        with (
            socket.create_connection((host, int(port)), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            tls.sendall(_API_VERSIONS)
            ok = len(tls.recv(4)) == 4
    except (ssl.SSLError, OSError):
        ok = False
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return {"python": version, "ok": ok, "explained": watch.explain()}


if __name__ == "__main__":
    print(json.dumps(probe(json.loads(sys.argv[1]))))
