"""TLS material made with openssl at set-up: the CA, broker keystores and an untrusted rogue CA."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

# Local throwaway keystore password: the keystores live in the ignored state folder only.
KEYSTORE_PASSWORD = "local-stack-keystore"
BROKER_SAN = "DNS:localhost,IP:127.0.0.1"
WRONG_HOST_SAN = "DNS:wrong-host.invalid"
_DAYS = "30"


@dataclass(frozen=True)
class TlsFiles:
    ca_pem: Path  # what clients trust
    rogue_ca_pem: Path  # a CA nobody trusts, for "untrusted CA is refused" tests
    broker_p12: Path  # SAN localhost + 127.0.0.1
    wronghost_p12: Path  # same CA, SAN wrong-host.invalid only


def _openssl(*args: str) -> None:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.strip()}")


def _new_ca(folder: Path, name: str) -> tuple[Path, Path]:
    key, pem = folder / f"{name}.key", folder / f"{name}.pem"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(pem), "-days", _DAYS,
        "-subj", f"/CN=forwarder local stack {name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return key, pem


def _new_server_keystore(folder: Path, name: str, san: str, ca_key: Path, ca_pem: Path) -> Path:
    key, csr, pem, ext = (folder / f"{name}{suffix}" for suffix in (".key", ".csr", ".pem", ".ext"))
    p12 = folder / f"{name}.p12"
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={name}",
    )  # fmt: skip
    ext.write_text(
        f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n",
        encoding="ascii",
    )
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca_pem), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", _DAYS, "-extfile", str(ext), "-out", str(pem),
    )  # fmt: skip
    _openssl(
        "pkcs12", "-export", "-in", str(pem), "-inkey", str(key), "-certfile", str(ca_pem),
        "-name", name, "-out", str(p12), "-passout", f"pass:{KEYSTORE_PASSWORD}",
    )  # fmt: skip
    return p12


def make_tls_files(folder: Path) -> TlsFiles:
    """Create a fresh CA, two broker keystores signed by it, and a rogue CA in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca_pem = _new_ca(folder, "ca")
    _, rogue_pem = _new_ca(folder, "rogue-ca")
    return TlsFiles(
        ca_pem=ca_pem,
        rogue_ca_pem=rogue_pem,
        broker_p12=_new_server_keystore(folder, "broker", BROKER_SAN, ca_key, ca_pem),
        wronghost_p12=_new_server_keystore(folder, "wronghost", WRONG_HOST_SAN, ca_key, ca_pem),
    )
