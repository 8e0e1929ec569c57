"""Translation of kafka-python's exceptions into the forwarder's permanent/transient errors."""

from __future__ import annotations

from kafka import errors as kafka_errors

from core.errors import (
    CredentialsRejected,
    DeliveryFailed,
    ForwarderError,
    NotAuthorized,
    PermanentError,
    RecordTooLarge,
    UnknownTopic,
)

# Errors that no retry can cure for this record: dead-letter it.
_TOO_LARGE = (kafka_errors.MessageSizeTooLargeError, kafka_errors.RecordListTooLargeError)
_INVALID = (kafka_errors.InvalidRecordError, kafka_errors.CorruptRecordError)


def translate(exc: BaseException, topic: str) -> ForwarderError:
    """Map a kafka-python exception met writing to `topic` to a core error; messages carry no
    credentials or payload."""
    if isinstance(exc, kafka_errors.TopicAuthorizationFailedError):
        return NotAuthorized(topic)
    if isinstance(exc, kafka_errors.UnknownTopicOrPartitionError):
        return UnknownTopic(topic)
    if isinstance(exc, kafka_errors.SaslAuthenticationFailedError):
        return CredentialsRejected("the broker rejected the SASL credentials")
    if isinstance(exc, _TOO_LARGE):
        return RecordTooLarge("the broker or client size limit refused the record")
    if isinstance(exc, _INVALID):
        return PermanentError("invalid_record", type(exc).__name__)
    # Everything else is retried: timeouts, disconnects, leader changes, missing replicas.
    return DeliveryFailed(type(exc).__name__)
