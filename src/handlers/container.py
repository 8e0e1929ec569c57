"""The composition root: builds the forwarder once per container and keeps it between invocations.

`build` wires the settings and the adapters into `core.delivery.Forwarder`, taking overrides for
any adapter; `get` builds on the first invocation (heavy imports such as boto3 and kafka happen
there, not at import time) and then returns the same forwarder; tests use `override(...)`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.credentials import Credentials
from core.delivery import Forwarder, ProducerFactory
from core.errors import SettingsError
from core.ports import DeadLetterSink, RecordProducer, RetryScheduler, SecretSource
from handlers.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

    from adapters.msk_iam import MskIamTokens

    # pydantic-settings costs about half the handler's cold import: only the first invocation
    # reads the settings, so it is imported there.
    from core.settings import Settings


@dataclass(frozen=True, slots=True)
class Overrides:
    """Parts to use instead of the real ones; `forwarder` replaces the whole graph."""

    forwarder: Forwarder | None = None
    settings: Settings | None = None
    producers: ProducerFactory | None = None
    secrets: SecretSource | None = None
    dead_letters: DeadLetterSink | None = None
    retries: RetryScheduler | None = None


class Container:
    """At most one forwarder, built by the first invocation and reused by the next ones."""

    def __init__(self) -> None:
        self._forwarder: Forwarder | None = None
        self._overrides = Overrides()

    def get(self, budget_ms: int) -> Forwarder:
        """The container's forwarder; `budget_ms` (the first invocation's remaining time, i.e.
        the function timeout) bounds the producer's own timeouts. A bad setting raises
        `SettingsError` here, failing the cold start."""
        if self._forwarder is None:
            self._forwarder = self._overrides.forwarder or self._build(budget_ms)
        return self._forwarder

    def reset(self) -> None:
        """Close and forget the forwarder (a new container, as after a redeploy)."""
        forwarder, self._forwarder = self._forwarder, None
        if forwarder is not None:
            forwarder.close()

    @contextmanager
    def override(self, overrides: Overrides) -> Iterator[None]:
        """Within the block, a fresh container is built with `overrides` in place; after it,
        the container is fresh again with the overrides it had before."""
        self.reset()
        previous, self._overrides = self._overrides, overrides
        try:
            yield
        finally:
            self.reset()
            self._overrides = previous

    def _build(self, budget_ms: int) -> Forwarder:
        o = self._overrides
        if o.settings is not None:
            settings = o.settings
        else:
            from core.settings import (  # noqa: PLC0415 (see TYPE_CHECKING above)
                load_settings,
                misspelt_variables,
            )

            settings = load_settings("lambda")
            for name, meant in misspelt_variables(os.environ):  # names only, never a value
                logger.warning(f"unknown environment variable {name} ignored; meant {meant}?")
        return build(
            settings,
            budget_ms,
            producers=o.producers,
            secrets=o.secrets,
            dead_letters=o.dead_letters,
            retries=o.retries,
        )


def build(
    settings: Settings,
    budget_ms: int,
    *,
    producers: ProducerFactory | None = None,
    secrets: SecretSource | None = None,
    dead_letters: DeadLetterSink | None = None,
    retries: RetryScheduler | None = None,
) -> Forwarder:
    """The forwarder for `settings`, with the real adapters where no override is given."""
    from core.backoff import Backoff  # noqa: PLC0415 (off a warm invocation's path)
    from core.transform import BatchTransform  # noqa: PLC0415

    return Forwarder(
        BatchTransform.from_settings(settings),
        producers if producers is not None else kafka_producers(settings, budget_ms),
        dead_letters if dead_letters is not None else sqs_dead_letters(settings),
        secrets if secrets is not None else secret_source(settings),
        retries=retries if retries is not None else sqs_retries(),
        backoff=Backoff(settings.retry_backoff_base_seconds, settings.retry_backoff_max_seconds),
    )


def kafka_producers(settings: Settings, budget_ms: int) -> ProducerFactory:
    """Producers for the settings' cluster, their timeouts within the function's."""
    from adapters.kafka_producer import (  # noqa: PLC0415
        KafkaRecordProducer,
        Timeouts,
        producer_config,
    )

    timeouts = Timeouts.within(budget_ms)
    tokens = msk_iam_tokens(settings)
    if not settings.kafka_tls_strict_x509:
        from handlers.observability import logger  # noqa: PLC0415

        logger.warning(
            "KAFKA_TLS_STRICT_X509 is false: broker certificates are verified without the strict "
            "X.509 checks (legacy private CA); reissue the CA and remove the setting"
        )

    def produce_with(credentials: Credentials | None) -> RecordProducer:
        if tokens is not None:
            tokens.token()  # a missing role or region fails here, named, not as a timeout
        config = producer_config(settings, credentials, timeouts, token_provider=tokens)
        # The default topic's metadata comes with the bootstrap (no later request, no back-off
        # before the first send); a routed topic is asked for when a record first goes to it.
        topics = [settings.kafka_topic] if settings.kafka_topic else []
        return KafkaRecordProducer.connect(config, topics=topics)

    return produce_with


def msk_iam_tokens(settings: Settings) -> MskIamTokens | None:
    """The container's MSK IAM token source (AWS_MSK_IAM only), for the function's region."""
    from core.settings import AuthMethod  # noqa: PLC0415 (see TYPE_CHECKING above)

    if settings.kafka_auth_method is not AuthMethod.AWS_MSK_IAM:
        return None
    import os  # noqa: PLC0415

    from adapters.msk_iam import MskIamTokens  # noqa: PLC0415

    # Lambda sets AWS_REGION; the signer needs it to name the service endpoint it signs for.
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise SettingsError("AWS_MSK_IAM needs AWS_REGION (Lambda sets it): the region to sign for")
    return MskIamTokens(region)


def secret_source(settings: Settings) -> SecretSource | None:
    """Secrets Manager behind a TTL cache; None when the auth method needs no secret."""
    if not settings.kafka_secret_id:
        return None
    from adapters.secrets import SecretsManagerSource  # noqa: PLC0415
    from core.settings import AuthMethod  # noqa: PLC0415 (see TYPE_CHECKING above)

    return SecretsManagerSource(
        settings.kafka_secret_id,
        settings.secret_cache_ttl_seconds,
        mtls=settings.kafka_auth_method is AuthMethod.MTLS,
    )


# SQS calls of an invocation have short timeouts. A call is started when one attempt fits in the
# time left; a retry past the deadline would be cut by Lambda's timeout, which redelivers the
# batch (nothing is lost).
_LETTER_CALL = (1, 2, 2)  # connect s, read s, attempts: dead letters carry up to 256 KiB
# A visibility change is small, and it follows the wait for Kafka, in the margin of 2 s that a
# 10 s function keeps: one attempt of at most 1.5 s fits there.
_VISIBILITY_CALL = (0.5, 1, 1)


def _sqs_client(connect_s: float, read_s: float, attempts: int) -> SQSClient:
    import boto3  # noqa: PLC0415 (kept off the import path of a warm invocation)
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        connect_timeout=connect_s, read_timeout=read_s, retries={"max_attempts": attempts}
    )
    return boto3.client("sqs", config=config)


def sqs_dead_letters(settings: Settings) -> DeadLetterSink:
    """The dead-letter queue of the settings."""
    from adapters.dead_letters import SqsDeadLetterSink  # noqa: PLC0415

    assert settings.dead_letter_queue_url is not None  # noqa: S101 (required in lambda mode)
    connect_s, read_s, _ = _LETTER_CALL
    return SqsDeadLetterSink(
        settings.dead_letter_queue_url,
        lambda: _sqs_client(*_LETTER_CALL),
        worst_call_s=float(connect_s + read_s),
    )


def sqs_retries() -> RetryScheduler:
    """The backoff's ChangeMessageVisibilityBatch calls, on the queue each event names."""
    from adapters.retries import SqsRetryScheduler  # noqa: PLC0415

    connect_s, read_s, _ = _VISIBILITY_CALL
    return SqsRetryScheduler(
        lambda: _sqs_client(*_VISIBILITY_CALL), worst_call_s=float(connect_s + read_s)
    )


_CONTAINER = Container()


def get(budget_ms: int) -> Forwarder:
    """The container's forwarder (see `Container.get`)."""
    return _CONTAINER.get(budget_ms)


def reset() -> None:
    """Close and forget the container's forwarder (see `Container.reset`)."""
    _CONTAINER.reset()


@contextmanager
def override(
    *,
    forwarder: Forwarder | None = None,
    settings: Settings | None = None,
    producers: ProducerFactory | None = None,
    secrets: SecretSource | None = None,
    dead_letters: DeadLetterSink | None = None,
    retries: RetryScheduler | None = None,
) -> Iterator[None]:
    """Within the block, the container is built with these parts in place of the real ones (a
    given `forwarder` is used as it is); before and after it, the container is fresh."""
    parts = Overrides(forwarder, settings, producers, secrets, dead_letters, retries)
    with _CONTAINER.override(parts):
        yield
