"""`forwarder check`, locally and in the deployed function (a `{"forwarder": "check"}` event):
the deployment's settings, secret, network path, TLS, login, topic and dead-letter queue, one
step at a time up to the first hard failure (docs/operations.md#forwarder-check)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.checks import CheckStep, failed, passed, report, until_first_failure
from core.credentials import Credentials
from core.deadline import Deadline
from core.errors import SettingsError, TransientError

CHECK_EVENT = {"forwarder": "check"}
_SECRET_WAIT_S = 10.0


def is_check_event(event: Any) -> bool:
    return isinstance(event, dict) and event == CHECK_EVENT


def run_check() -> dict[str, Any]:
    """Every step up to the first failure, as `{"ok": bool, "steps": [...]}`."""
    return report(until_first_failure(_steps()))


def _steps() -> Iterator[CheckStep]:
    from core.settings import load_settings  # noqa: PLC0415 (see container.py)
    from handlers.container import msk_iam_tokens, secret_source  # noqa: PLC0415

    try:
        settings = load_settings("lambda")
        tokens = msk_iam_tokens(settings)
    except SettingsError as exc:
        yield failed("settings", str(exc), "set the variables it names (docs/settings.md)")
        return
    assert settings.kafka_bootstrap_servers is not None  # noqa: S101 (required in lambda mode)
    assert settings.kafka_topic is not None  # noqa: S101
    assert settings.dead_letter_queue_url is not None  # noqa: S101
    yield passed(
        "settings",
        f"{settings.kafka_auth_method.value} to {', '.join(settings.topics)} via "
        f"{len(settings.kafka_bootstrap_servers)} bootstrap broker(s)",
    )
    credentials: Credentials | None = None
    source = secret_source(settings)
    if source is not None:
        try:
            credentials = source.get(Deadline.in_seconds(_SECRET_WAIT_S, 1.0))
        except TransientError as exc:
            yield failed(
                "secret",
                str(exc),
                "KAFKA_SECRET_ID must be the secret's full ARN, the role needs "
                "secretsmanager:GetSecretValue, and the JSON shape is in docs/contract.md",
            )
            return
        yield passed("secret", f"{settings.kafka_secret_id} read and well-formed (not shown)")
    from adapters import deployment_check as probe  # noqa: PLC0415
    from adapters.kafka_producer import Timeouts, producer_config  # noqa: PLC0415

    config = producer_config(settings, credentials, Timeouts.within(30_000), token_provider=tokens)
    for entry in settings.kafka_bootstrap_servers:
        host, port = probe.split_host_port(entry)
        yield probe.resolve(host, port)
        yield probe.connect(host, port)
        yield probe.handshake(host, port, config["ssl_context"])
    yield from probe.kafka_steps(config, settings.topics, settings.kafka_max_message_bytes)
    yield _dead_letter_queue(settings.dead_letter_queue_url)


def _dead_letter_queue(url: str) -> CheckStep:
    import boto3  # noqa: PLC0415

    from adapters.deployment_check import queue_exists  # noqa: PLC0415

    return queue_exists(boto3.client("sqs"), "dead-letter queue", url)
