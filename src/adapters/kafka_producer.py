"""The Kafka producer behind `core.ports.RecordProducer`: kafka-python over verified TLS, with
SASL PLAIN/SCRAM, a client certificate (mTLS) or TLS alone, acks=all and idempotence; one send
per record, one wait."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
from kafka import errors as kafka_errors
from kafka.net import KafkaNetClient

from adapters.kafka_errors import translate
from adapters.tls import HandshakeWatch, tls_context, watch_handshakes
from core.credentials import Credentials
from core.deadline import Deadline
from core.errors import (
    BrokerUnreachable,
    DeliveryFailed,
    ForwarderError,
    PermanentError,
    TlsRefused,
    UnknownTopic,
)
from core.kafka_records import KafkaRecord
from core.settings import AuthMethod, Compression, Settings

# Newest protocol family the client knows; each connection clamps it to what the broker speaks.
# Pinning it keeps construction from blocking on a bootstrap round trip.
API_VERSION = (4, 0)
# How long closing a producer may take at most (flush, then stop the network thread).
_CLOSE_TIMEOUT_S = 0.5
# KAFKA_COMPRESSION → kafka-python's compression_type (None: record batches left uncompressed).
_CODECS: dict[Compression, str | None] = {c: c.value for c in Compression} | {
    Compression.NONE: None
}
# Provider-safe bounds (docs/providers.md): one configuration for Apache Kafka, Amazon MSK,
# Confluent Cloud, Redpanda and Azure Event Hubs, whose limits are the tightest.
# Event Hubs closes the connection on a request above 1,046,528 bytes; max_request_size bounds
# the records of a request, not the request's own header, client id and topic names: 4 KiB
# stay free for those.
EVENT_HUBS_MAX_REQUEST_BYTES = 1_046_528
PROVIDER_SAFE_REQUEST_BYTES = EVENT_HUBS_MAX_REQUEST_BYTES - 4_096
# Key, headers and record framing on top of the value the transform sized: the default value
# limit (1,000,000 bytes) plus this is exactly the provider-safe request size.
_RECORD_OVERHEAD_BYTES = PROVIDER_SAFE_REQUEST_BYTES - 1_000_000
# Event Hubs closes connections idle for 240 s; closing them first avoids sending on a dead one.
CONNECTIONS_MAX_IDLE_MS = 180_000
# Refresh metadata before an idle cut-off too, and soon after a leader moves (default 300 s).
METADATA_MAX_AGE_MS = 180_000
# Event Hubs holds a produce request up to 20 s whatever the client asks: request timeouts are
# at least this where the function's timeout leaves room for it.
REQUEST_TIMEOUT_FLOOR_MS = 20_000


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Producer time bounds derived from the function's timeout, all below it."""

    max_block_ms: int
    request_timeout_ms: int
    delivery_timeout_ms: int

    @classmethod
    def within(cls, budget_ms: int) -> Timeouts:
        """Half the budget, raised towards REQUEST_TIMEOUT_FLOOR_MS while that leaves 5 s of
        the budget after it, and at most 30 s."""
        budget_ms = max(budget_ms, 3000)
        floor = min(REQUEST_TIMEOUT_FLOOR_MS, budget_ms - 5_000)
        request = min(30_000, max(budget_ms // 2, floor))
        return cls(
            max_block_ms=min(5_000, budget_ms // 4),
            request_timeout_ms=request,
            delivery_timeout_ms=max(request + 100, budget_ms - 1000),
        )


def producer_config(
    settings: Settings,
    credentials: Credentials | None,
    timeouts: Timeouts,
    *,
    token_provider: Any = None,
) -> dict[str, Any]:
    """kafka-python settings; every safety-relevant value set explicitly so conflicts raise.
    `token_provider` (an `adapters.msk_iam.MskIamTokens`) is required by AWS_MSK_IAM."""
    assert settings.kafka_bootstrap_servers is not None  # noqa: S101 (load_settings checked it)
    config: dict[str, Any] = {
        "bootstrap_servers": list(settings.kafka_bootstrap_servers),
        "client_id": "kafka-event-forwarder",
        "security_protocol": "SASL_SSL" if settings.uses_sasl else "SSL",
        "ssl_context": tls_context(
            settings.kafka_ca_bundle,
            credentials.ca_pem if credentials else None,
            strict_x509=settings.kafka_tls_strict_x509,
            client_certificate=_client_certificate(settings, credentials),
        ),
        "acks": "all",
        "enable_idempotence": True,
        # A mistyped topic must fail loudly, not be created on clusters that allow it.
        "allow_auto_create_topics": False,
        "api_version": API_VERSION,
        "linger_ms": 2,
        "batch_size": 256 * 1024,
        "max_request_size": max(
            PROVIDER_SAFE_REQUEST_BYTES, settings.kafka_max_message_bytes + _RECORD_OVERHEAD_BYTES
        ),
        "connections_max_idle_ms": CONNECTIONS_MAX_IDLE_MS,
        "metadata_max_age_ms": METADATA_MAX_AGE_MS,
        "metrics_enabled": False,
        "compression_type": _CODECS[settings.kafka_compression],
        "max_block_ms": timeouts.max_block_ms,
        "request_timeout_ms": timeouts.request_timeout_ms,
        "delivery_timeout_ms": timeouts.delivery_timeout_ms,
    }
    if settings.kafka_auth_method is AuthMethod.AWS_MSK_IAM:
        if token_provider is None:
            raise ValueError("AWS_MSK_IAM needs a token provider")
        return config | {
            "sasl_mechanism": "OAUTHBEARER",
            "sasl_oauth_token_provider": token_provider,
        }
    if settings.uses_sasl:
        if credentials is None:
            raise ValueError("SASL needs credentials")
        config |= {
            "sasl_mechanism": settings.kafka_auth_method.value,
            "sasl_plain_username": credentials.username,
            "sasl_plain_password": credentials.password,
        }
    assert settings.kafka_auth_method in AuthMethod  # noqa: S101
    return config


def _client_certificate(
    settings: Settings, credentials: Credentials | None
) -> tuple[str, str, str | None] | None:
    if settings.kafka_auth_method is not AuthMethod.MTLS:
        return None
    certificate = credentials.client_certificate if credentials else None
    if certificate is None:
        raise ValueError("MTLS needs a client certificate and key")
    return certificate


class KafkaRecordProducer:
    """Sends a whole invocation's records, then waits once for every acknowledgement."""

    def __init__(
        self, client: Any, max_block_ms: int, handshakes: HandshakeWatch | None = None
    ) -> None:
        """`client`: a kafka-python `KafkaProducer` (or a double of one, in unit tests);
        `handshakes`: what explains a failed TLS handshake on its connections."""
        self._max_block_ms = max_block_ms
        self._producer = client
        self._tls = handshakes

    @classmethod
    def connect(cls, config: dict[str, Any], topics: Sequence[str] = ()) -> KafkaRecordProducer:
        """A producer for `config` (see `producer_config`); it connects at once, in the
        background. `topics` (those the records will mostly go to) are in the metadata the
        producer asks for first (see `network_client`)."""
        handshakes = watch_handshakes(config["ssl_context"])  # before any socket is made
        producer = KafkaProducer(**config, kafka_client=network_client(topics))
        return cls(producer, int(config["max_block_ms"]), handshakes)

    def produce(
        self, records: Sequence[KafkaRecord], deadline: Deadline
    ) -> list[ForwarderError | None]:
        results: list[ForwarderError | None] = [None] * len(records)
        futures: list[tuple[int, Any]] = []
        send, config = self._producer.send, self._producer.config
        for index, record in enumerate(records):
            # send() blocks on missing metadata (a routed record's topic may be new); never past
            # this invocation's wait. Read per send: a block before may have used the time up.
            remaining_ms = int(deadline.wait_left() * 1000)
            config["max_block_ms"] = max(1, min(self._max_block_ms, remaining_ms))
            try:
                future = send(
                    record.topic, value=record.value, key=record.key, headers=record.headers
                )
            except kafka_errors.KafkaError as exc:
                error = self._send_error(exc, record.topic)
                if isinstance(error, PermanentError):
                    results[index] = error
                    continue
                # The cluster is unreachable, refuses us, or lacks the topic: the rest would
                # fail the same way.
                results[index:] = [error] * (len(records) - index)
                break
            futures.append((index, future))
        if futures:
            self._await(futures, deadline)
        for index, future in futures:
            if not future.is_done:
                results[index] = DeliveryFailed("not acknowledged before the deadline")
            elif future.exception is not None:
                results[index] = translate(future.exception, records[index].topic)
        return results

    def _send_error(self, exc: kafka_errors.KafkaError, topic: str) -> ForwarderError:
        if not isinstance(exc, kafka_errors.KafkaTimeoutError):
            return translate(exc, topic)
        tls_failure = self._tls.explain() if self._tls is not None else None
        if tls_failure is not None:
            return TlsRefused(tls_failure)
        # No metadata for the topic in time. If the cluster answered metadata requests (so it
        # is reachable and accepted our login) but never listed the topic, the topic is missing.
        metadata = self._producer._metadata
        if metadata._last_successful_refresh_ms and metadata.partitions_for_topic(topic) is None:
            return UnknownTopic(topic)
        return BrokerUnreachable("no metadata before the deadline")

    def _await(self, futures: Sequence[tuple[int, Any]], deadline: Deadline) -> None:
        """The invocation's one wait: until every future resolved or the deadline passed.

        The producer is told to send what it holds now rather than after `linger_ms` (what
        `flush()` does; `flush()` itself is not used because its timeout applies to each batch
        in turn, not to the whole wait).
        """
        accumulator = self._producer._accumulator
        accumulator.begin_flush()
        try:
            self._producer._sender.wakeup()
            wait_for([future for _, future in futures], deadline)
        finally:
            accumulator._flushes_in_progress.decrement()

    def close(self, deadline: Deadline | None = None) -> None:
        timeout_s = _CLOSE_TIMEOUT_S if deadline is None else min(_CLOSE_TIMEOUT_S, deadline.left())
        try:
            self._producer.close(timeout=timeout_s)
        except kafka_errors.KafkaTimeoutError:
            # close() flushes first and gives up when records are stuck on a dead connection;
            # abandon them (their SQS messages are already reported for retry) and stop the
            # network thread, so nothing stale is sent later.
            self._producer._sender.force_close()
            self._producer._sender.join(timeout_s)


def network_client(topics: Sequence[str]) -> Callable[..., KafkaNetClient]:
    """kafka-python's `kafka_client` hook: the producer's network client, its cluster metadata
    set up before the producer's I/O thread starts (so in one thread, no race):

    - `topics` are tracked from the start. The producer bootstraps as soon as it is made, and
      the bootstrap's metadata request asks for the topics tracked then; a topic that only the
      first send adds needs a second request, which kafka-python holds back until
      `retry_backoff_ms` (100 ms) after the first: every cold start waited that long.
    - the producer's `allow_auto_create_topics` reaches the metadata requests: kafka-python
      3.0.12 does not pass it on, so they asked the cluster to create a missing topic.
    """

    def make(**configs: Any) -> KafkaNetClient:
        client = KafkaNetClient(**configs)
        cluster = client.cluster
        cluster.config["allow_auto_create_topics"] = configs["allow_auto_create_topics"]
        for topic in topics:
            cluster.add_topic(topic)
        return client

    return make


def wait_for(futures: Sequence[Any], deadline: Deadline) -> None:
    """Wait until every record future is resolved or the deadline passed.

    The wait is on the batch a record went into (its `_produce_future`), as kafka-python's own
    `FutureRecordMetadata.get` does: a batch resolves all its records' futures before it is set,
    so after the first record of a batch the others cost one attribute read. A batch split for
    its size moves its records to new batches and sets the old one: the loop then waits on the
    new batch. A batch set that left a record unresolved ends the wait for that record (it is
    reported unacknowledged), never a busy loop.
    """
    for future in futures:
        while not future.is_done:
            batch = future._produce_future
            if not batch.wait(deadline.wait_left()):
                return  # the deadline passed
            if not future.is_done and future._produce_future is batch:
                break
