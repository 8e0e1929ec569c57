"""The error tree: the class alone says whether a failure is permanent (dead-letter) or
transient (retry)."""

from __future__ import annotations

import pytest

from core.errors import (
    BrokerUnreachable,
    CredentialsRejected,
    DeadLetterFailed,
    DeliveryFailed,
    ForwarderError,
    InvalidBatch,
    NotAuthorized,
    PermanentError,
    RecordTooLarge,
    SecretUnavailable,
    SettingsError,
    TransientError,
    UnknownTopic,
)

TRANSIENT: list[ForwarderError] = [
    DeliveryFailed("x"),
    BrokerUnreachable("x"),
    CredentialsRejected("x"),
    SecretUnavailable("x"),
    DeadLetterFailed("x"),
    UnknownTopic("t"),
    NotAuthorized("t"),
]
PERMANENT: list[ForwarderError] = [InvalidBatch("not_json"), RecordTooLarge(), PermanentError("x")]


@pytest.mark.parametrize("error", TRANSIENT, ids=lambda e: type(e).__name__)
def test_transient_errors_are_retried_never_dead_lettered(error: ForwarderError) -> None:
    assert isinstance(error, TransientError)
    assert not isinstance(error, PermanentError)


@pytest.mark.parametrize("error", PERMANENT, ids=lambda e: type(e).__name__)
def test_permanent_errors_are_dead_lettered_never_retried(error: ForwarderError) -> None:
    assert isinstance(error, PermanentError)
    assert not isinstance(error, TransientError)


def test_a_settings_error_is_neither_a_message_outcome() -> None:
    assert not isinstance(SettingsError("x"), PermanentError | TransientError)


@pytest.mark.parametrize(
    ("error", "reason"),
    [(UnknownTopic("orders"), "unknown_topic"), (NotAuthorized("orders"), "not_authorized")],
)
def test_an_unwritable_topic_carries_its_reason_code_and_topic(
    error: UnknownTopic | NotAuthorized, reason: str
) -> None:
    assert (error.reason, error.topic, str(error)) == (reason, "orders", f"{reason}: orders")


def test_record_too_large_has_the_reason_oversize() -> None:
    assert RecordTooLarge().reason == "oversize"
