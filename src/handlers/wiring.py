"""Builds the forwarder once per container: settings, transform, secret source, producer factory
and dead-letter sink. Heavy imports (boto3, kafka) happen here, on the first invocation only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.credentials import Credentials
from core.delivery import Forwarder
from core.ports import RecordProducer

if TYPE_CHECKING:
    # pydantic-settings costs about half the handler's cold import: only the first invocation
    # reads the settings, so it is imported there.
    from core.settings import Settings

_container: list[Forwarder] = []  # at most one: built by the first invocation, then reused


def container_forwarder(budget_ms: int) -> Forwarder:
    """The container's forwarder; `budget_ms` (the first invocation's remaining time, i.e. the
    function timeout) bounds the producer's own timeouts. A bad setting raises
    `SettingsError` here, failing the cold start."""
    if not _container:
        from core.settings import load_settings  # noqa: PLC0415 (see the TYPE_CHECKING import)

        _container.append(build_forwarder(load_settings("lambda"), budget_ms))
    return _container[0]


def reset_container() -> None:
    """Close and forget the container's forwarder (a new container, as after a redeploy)."""
    while _container:
        _container.pop().close()


def build_forwarder(settings: Settings, budget_ms: int) -> Forwarder:
    import boto3  # noqa: PLC0415 (kept off the import path of a warm invocation)
    from botocore.config import Config  # noqa: PLC0415

    from adapters.dead_letters import SqsDeadLetterSink  # noqa: PLC0415
    from adapters.kafka_producer import (  # noqa: PLC0415
        KafkaRecordProducer,
        Timeouts,
        producer_config,
    )
    from adapters.secrets import SecretsManagerSource  # noqa: PLC0415
    from core.transform import BatchTransform  # noqa: PLC0415

    timeouts = Timeouts.within(budget_ms)

    def producers(credentials: Credentials | None) -> RecordProducer:
        return KafkaRecordProducer(producer_config(settings, credentials, timeouts))

    secrets = (
        SecretsManagerSource(settings.kafka_secret_id, settings.secret_cache_ttl_seconds)
        if settings.kafka_secret_id
        else None
    )
    sqs = boto3.client(
        "sqs", config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2})
    )
    assert settings.dead_letter_queue_url is not None  # noqa: S101 (required in lambda mode)
    return Forwarder(
        BatchTransform.from_settings(settings),
        producers,
        SqsDeadLetterSink(settings.dead_letter_queue_url, sqs),
        secrets,
    )
