"""The broker's files and configuration: server.properties, log4j2 and the users it knows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from local_stack.certs import KEYSTORE_PASSWORD, TlsFiles
from local_stack.state import Credentials, Ports

# The IAM listener's test credentials and region: moto's dummies, which the tests' environment
# gives boto3 (and so the signer). The validator class is compiled at set-up (broker.prepare).
IAM_ACCESS_KEY_ID = "testing"
IAM_SECRET_ACCESS_KEY = "testing"
IAM_REGION = "us-east-1"
IAM_VALIDATOR_CLASS = "forwarder.localstack.MskIamValidator"
_OAUTH_LOGIN = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"

USERS: dict[str, Credentials] = {
    # Local test passwords only; distinct users so a test can tell the mechanisms apart.
    "PLAIN": Credentials("plain-user", "plain-secret"),
    "SCRAM-SHA-256": Credentials("scram256-user", "scram256-secret"),
    "SCRAM-SHA-512": Credentials("scram512-user", "scram512-secret"),
}


@dataclass(frozen=True)
class BrokerLayout:
    """The broker's files under the state folder."""

    root: Path  # <state>/kafka

    @property
    def properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def log4j(self) -> Path:
        return self.root / "log4j2.properties"

    @property
    def format_log4j(self) -> Path:
        return self.root / "format-log4j2.properties"

    @property
    def format_log(self) -> Path:
        return self.root / "format.log"  # StorageTool's own log, apart from the broker's

    @property
    def classes(self) -> Path:
        return self.root / "classes"  # the compiled test-only broker code (the IAM validator)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "broker.log"  # log4j output (INFO and up)

    @property
    def console(self) -> Path:
        return self.root / "broker.out"  # the JVM's own stdout/stderr (crashes, bad flags)


def _jaas_scram() -> str:
    return "org.apache.kafka.common.security.scram.ScramLoginModule required;"


def _jaas_plain() -> str:
    plain = USERS["PLAIN"]
    return (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'user_{plain.username}="{plain.password}";'
    )


def server_properties(
    layout: BrokerLayout,
    tls: TlsFiles,
    ports: Ports,
    advertised_ports: Mapping[str, int] | None = None,
) -> str:
    """server.properties for the node; advertised_ports (by listener: sasl_ssl, ssl, wronghost,
    plaintext, proxied) lets a fault-injection proxy be advertised in place of the broker's own
    port. The MTLS and LEGACY listeners, when `ports` has them, advertise their own ports."""
    adv = {
        "sasl_ssl": ports.sasl_ssl,
        "ssl": ports.ssl,
        "wronghost": ports.wronghost,
        "plaintext": ports.plaintext,
    }
    if ports.proxied is not None:
        adv["proxied"] = ports.proxy if ports.proxy is not None else ports.proxied
    adv.update(advertised_ports or {})
    listeners = [
        f"SASL_SSL://127.0.0.1:{ports.sasl_ssl}",
        f"SSL://127.0.0.1:{ports.ssl}",
        f"WRONGHOST://127.0.0.1:{ports.wronghost}",
        f"PLAINTEXT://127.0.0.1:{ports.plaintext}",
        f"CONTROLLER://127.0.0.1:{ports.controller}",
    ]
    # TLS listeners advertise `localhost`, the name in the broker certificate.
    advertised = [
        f"SASL_SSL://localhost:{adv['sasl_ssl']}",
        f"SSL://localhost:{adv['ssl']}",
        f"WRONGHOST://localhost:{adv['wronghost']}",
        f"PLAINTEXT://127.0.0.1:{adv['plaintext']}",
    ]
    protocols = (
        "SASL_SSL:SASL_SSL,SSL:SSL,WRONGHOST:SASL_SSL,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    )
    extra: dict[str, str] = {}
    if ports.mtls is not None and ports.legacy_tls is not None:
        listeners += [f"MTLS://127.0.0.1:{ports.mtls}", f"LEGACY://127.0.0.1:{ports.legacy_tls}"]
        advertised += [f"MTLS://localhost:{ports.mtls}", f"LEGACY://localhost:{ports.legacy_tls}"]
        protocols += ",MTLS:SSL,LEGACY:SSL"
        extra |= _tls_listeners(tls)
    if ports.iam is not None:
        listeners.append(f"IAM://127.0.0.1:{ports.iam}")
        advertised.append(f"IAM://localhost:{ports.iam}")
        protocols += ",IAM:SASL_SSL"
        extra |= _iam_listener()
    if ports.proxied is not None:
        # PROXIED: SASL_SSL like the main listener, bound on its own port but advertised as the
        # proxy's, so a client bootstrapping through the proxy can never bypass it.
        listeners.append(f"PROXIED://127.0.0.1:{ports.proxied}")
        advertised.append(f"PROXIED://localhost:{adv['proxied']}")
        protocols += ",PROXIED:SASL_SSL"
        extra |= {
            "listener.name.proxied.plain.sasl.jaas.config": _jaas_plain(),
            "listener.name.proxied.scram-sha-256.sasl.jaas.config": _jaas_scram(),
            "listener.name.proxied.scram-sha-512.sasl.jaas.config": _jaas_scram(),
        }
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{ports.controller}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listeners": ",".join(listeners),
        "advertised.listeners": ",".join(advertised),
        "listener.security.protocol.map": protocols,
        "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
        "listener.name.sasl_ssl.plain.sasl.jaas.config": _jaas_plain(),
        "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config": _jaas_scram(),
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": _jaas_scram(),
        **extra,
        "ssl.keystore.type": "PKCS12",
        "ssl.keystore.location": str(tls.broker_p12),
        "ssl.keystore.password": KEYSTORE_PASSWORD,
        "ssl.client.auth": "none",
        # WRONGHOST: same CA, but a certificate for another name, to prove clients check it.
        "listener.name.wronghost.sasl.enabled.mechanisms": "SCRAM-SHA-512",
        "listener.name.wronghost.scram-sha-512.sasl.jaas.config": _jaas_scram(),
        "listener.name.wronghost.ssl.keystore.type": "PKCS12",
        "listener.name.wronghost.ssl.keystore.location": str(tls.wronghost_p12),
        "listener.name.wronghost.ssl.keystore.password": KEYSTORE_PASSWORD,
        # ACLs restrict only the resources that have some (tests give one topic a user who may
        # not write it); everything else stays open, and the PLAINTEXT listener (set-up, the
        # controller) is a super user.
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found": "true",
        "super.users": "User:ANONYMOUS",
        "log.dirs": str(layout.data),
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # A broker restarted after a crash is refused as a duplicate until its old session
        # expires (default 9 s); fault tests restart it, so let the session lapse sooner.
        "broker.heartbeat.interval.ms": "1000",
        "broker.session.timeout.ms": "4000",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _tls_listeners(tls: TlsFiles) -> dict[str, str]:
    """MTLS: a client certificate signed by the stack CA is required (the principal is its
    subject). LEGACY: a broker certificate whose CA has no key identifiers."""
    if tls.legacy_p12 is None:
        raise ValueError("the MTLS and LEGACY listeners need the legacy keystore")
    return {
        "listener.name.mtls.ssl.client.auth": "required",
        "listener.name.mtls.ssl.truststore.type": "PEM",
        "listener.name.mtls.ssl.truststore.location": str(tls.ca_pem),
        "listener.name.legacy.ssl.keystore.type": "PKCS12",
        "listener.name.legacy.ssl.keystore.location": str(tls.legacy_p12),
        "listener.name.legacy.ssl.keystore.password": KEYSTORE_PASSWORD,
    }


def _iam_listener() -> dict[str, str]:
    """IAM: SASL OAUTHBEARER whose server callback (local_stack/java/MskIamValidator.java)
    accepts only an MSK IAM token signed with moto's dummy credentials for moto's region."""
    options = (
        f'accessKeyId="{IAM_ACCESS_KEY_ID}" secretAccessKey="{IAM_SECRET_ACCESS_KEY}" '
        f'region="{IAM_REGION}" unsecuredLoginStringClaim_sub="broker"'
    )
    return {
        "listener.name.iam.sasl.enabled.mechanisms": "OAUTHBEARER",
        "listener.name.iam.oauthbearer.sasl.jaas.config": f"{_OAUTH_LOGIN} required {options};",
        "listener.name.iam.oauthbearer.sasl.server.callback.handler.class": IAM_VALIDATOR_CLASS,
    }


def log4j_config(log_file: Path) -> str:
    """Send a Kafka JVM's log to a file in the state folder, never to our stdout."""
    return f"""\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log_file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.clients.name = org.apache.kafka.clients
logger.clients.level = warn
logger.statechange.name = state.change.logger
logger.statechange.level = warn
"""
