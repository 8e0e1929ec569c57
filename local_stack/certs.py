"""TLS material made with openssl at set-up: the CA, broker keystores, client certificates for the
mTLS listener, an untrusted rogue CA, and a legacy CA that fails strict X.509 checking.

Every certificate of the stack CA names its extensions explicitly (Subject and Authority Key
Identifiers, critical basicConstraints, keyUsage, extendedKeyUsage) rather than relying on the
defaults of the local openssl.cnf: Python 3.13's VERIFY_X509_STRICT requires them.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

# Local throwaway keystore password: the keystores live in the ignored state folder only.
KEYSTORE_PASSWORD = "local-stack-keystore"
# Local throwaway password of the encrypted copy of the client key (mTLS tests).
CLIENT_KEY_PASSWORD = "local-stack-client-key"
BROKER_SAN = "DNS:localhost,IP:127.0.0.1"
WRONG_HOST_SAN = "DNS:wrong-host.invalid"
_DAYS = "90"  # above the 30 days under which `forwarder check` warns
_KEY_IDS = "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n"
# What a legacy private CA often lacks: no key identifiers at all.
_NO_KEY_IDS = "subjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n"


@dataclass(frozen=True)
class ClientFiles:
    """A client certificate and its key (PEM), for the mTLS listener."""

    cert_pem: Path
    key_pem: Path
    encrypted_key_pem: Path  # the same key, encrypted with CLIENT_KEY_PASSWORD


@dataclass(frozen=True)
class TlsFiles:
    ca_pem: Path  # what clients trust
    rogue_ca_pem: Path  # a CA nobody trusts, for "untrusted CA is refused" tests
    broker_p12: Path  # SAN localhost + 127.0.0.1
    wronghost_p12: Path  # same CA, SAN wrong-host.invalid only
    # A CA without key identifiers and a broker keystore it signed (SAN localhost): refused by
    # strict X.509 checking ("Missing Authority Key Identifier"), accepted without it.
    legacy_ca_pem: Path | None = None
    legacy_p12: Path | None = None
    client: ClientFiles | None = None  # signed by the stack CA: the mTLS listener accepts it
    rogue_client: ClientFiles | None = None  # signed by the rogue CA: the listener refuses it


def _openssl(*args: str) -> None:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.strip()}")


def _new_ca(folder: Path, name: str, *, key_ids: bool = True) -> tuple[Path, Path]:
    key, pem = folder / f"{name}.key", folder / f"{name}.pem"
    ids = _KEY_IDS if key_ids else _NO_KEY_IDS
    extensions = [
        "basicConstraints=critical,CA:TRUE",
        "keyUsage=critical,keyCertSign,cRLSign",
        *ids.split(),
    ]
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(pem), "-days", _DAYS,
        "-subj", f"/CN=forwarder local stack {name}",
        *(arg for extension in extensions for arg in ("-addext", extension)),
    )  # fmt: skip
    return key, pem


def _new_leaf(
    folder: Path, name: str, extensions: str, ca: tuple[Path, Path], *, key_ids: bool = True
) -> tuple[Path, Path]:
    """A key and a certificate for it, signed by `ca` (key, pem); returns (key, pem)."""
    ca_key, ca_pem = ca
    key, csr, pem, ext = (folder / f"{name}{suffix}" for suffix in (".key", ".csr", ".pem", ".ext"))
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={name}",
    )  # fmt: skip
    ext.write_text(
        "basicConstraints=critical,CA:FALSE\n"
        + extensions
        + (_KEY_IDS if key_ids else _NO_KEY_IDS),
        encoding="ascii",
    )
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca_pem), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", _DAYS, "-extfile", str(ext), "-out", str(pem),
    )  # fmt: skip
    return key, pem


def _new_server_keystore(
    folder: Path, name: str, san: str, ca: tuple[Path, Path], *, key_ids: bool = True
) -> Path:
    extensions = (
        f"subjectAltName={san}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n"
    )
    key, pem = _new_leaf(folder, name, extensions, ca, key_ids=key_ids)
    p12 = folder / f"{name}.p12"
    _openssl(
        "pkcs12", "-export", "-in", str(pem), "-inkey", str(key), "-certfile", str(ca[1]),
        "-name", name, "-out", str(p12), "-passout", f"pass:{KEYSTORE_PASSWORD}",
    )  # fmt: skip
    return p12


def _new_client(folder: Path, name: str, ca: tuple[Path, Path]) -> ClientFiles:
    extensions = "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n"
    key, pem = _new_leaf(folder, name, extensions, ca)
    encrypted = folder / f"{name}-encrypted.key"
    _openssl(
        "pkey", "-in", str(key), "-aes-256-cbc", "-out", str(encrypted),
        "-passout", f"pass:{CLIENT_KEY_PASSWORD}",
    )  # fmt: skip
    return ClientFiles(cert_pem=pem, key_pem=key, encrypted_key_pem=encrypted)


def make_tls_files(folder: Path) -> TlsFiles:
    """Create a fresh CA with two broker keystores and a client certificate, a rogue CA with a
    client certificate, and a legacy CA with a broker keystore, in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = _new_ca(folder, "ca")
    rogue = _new_ca(folder, "rogue-ca")
    legacy = _new_ca(folder, "legacy-ca", key_ids=False)
    return TlsFiles(
        ca_pem=ca[1],
        rogue_ca_pem=rogue[1],
        broker_p12=_new_server_keystore(folder, "broker", BROKER_SAN, ca),
        wronghost_p12=_new_server_keystore(folder, "wronghost", WRONG_HOST_SAN, ca),
        legacy_ca_pem=legacy[1],
        legacy_p12=_new_server_keystore(folder, "legacy", BROKER_SAN, legacy, key_ids=False),
        client=_new_client(folder, "client", ca),
        rogue_client=_new_client(folder, "rogue-client", rogue),
    )
