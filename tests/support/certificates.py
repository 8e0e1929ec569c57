"""PEM files for the settings and secret tests: a self-signed CA made with openssl."""

from __future__ import annotations

import subprocess
from pathlib import Path


def self_signed_ca(folder: Path) -> Path:
    """A fresh self-signed CA certificate (PEM) in `folder`; its key lies beside it."""
    key, pem = folder / "test-ca.key", folder / "test-ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(pem), "-days", "2",
         "-subj", "/CN=forwarder settings test CA"],
        check=True, capture_output=True,
    )  # fmt: skip
    return pem


def self_signed_server(folder: Path, host: str = "localhost") -> tuple[Path, Path]:
    """A self-signed server certificate for `host` (its SAN) and its key, in `folder`; the
    certificate is its own CA, so a client trusting it verifies the chain and the host name."""
    key, pem = folder / f"{host}.key", folder / f"{host}.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(pem), "-days", "2", "-subj", f"/CN={host}",
         "-addext", f"subjectAltName=DNS:{host}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return pem, key


def revocation_list_only(folder: Path) -> Path:
    """A PEM file holding one certificate revocation list (of a fresh CA) and no certificate."""
    ca = self_signed_ca(folder)
    (folder / "index.txt").write_text("")
    config = folder / "ca.cnf"
    config.write_text(
        f"[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = {folder / 'index.txt'}\n"
        "default_md = sha256\n"
    )
    crl = folder / "test-ca.crl.pem"
    subprocess.run(
        ["openssl", "ca", "-gencrl", "-config", str(config), "-crldays", "1",
         "-keyfile", str(folder / "test-ca.key"), "-cert", str(ca), "-out", str(crl)],
        check=True, capture_output=True,
    )  # fmt: skip
    return crl
