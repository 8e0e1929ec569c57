"""The forwarder's exception tree: the class says whether a failure is permanent or transient.

- `PermanentError`: the input can never be delivered (dead-letter it with its reason).
- `TransientError`: delivery may succeed later (report the SQS record for retry).
- `SettingsError`: the configuration is wrong (fail the cold start, naming the variable).

On the produce path errors travel as values (one per record), not as raised exceptions; the
class alone decides the outcome. Messages never carry payload data or secret values.
"""

from __future__ import annotations


class ForwarderError(Exception):
    """Base of every error the forwarder raises or reports on purpose."""


class SettingsError(ForwarderError):
    """A setting is missing or invalid; the message names the variable and what it accepts."""


class PermanentError(ForwarderError):
    """The SQS record can never be delivered as it is: dead-letter it."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# Reason codes of `InvalidBatch` (stable: they become the dead letter's `error-reason`).
NOT_JSON = "not_json"  # not JSON (NaN/Infinity, an unpaired surrogate included)
NOT_OBJECT = "not_object"  # JSON, but not an object
EVENTS_NOT_LIST = "events_not_list"  # `events` neither a list nor null/absent
EVENT_NOT_OBJECT = "event_not_object"  # an event that is not an object
EVENT_TYPE_NOT_STRING = "event_type_not_string"  # an event without a string `event_type`
MPID_NOT_INTEGER = "mpid_not_integer"  # `mpid` neither an integer nor a decimal string
TOO_DEEP = "too_deep"  # nested deeper than the JSON writer can write (254 levels)
OVERSIZE = "oversize"  # the reason of `RecordTooLarge`


class InvalidBatch(PermanentError):
    """The SQS body is not an event batch the forwarder can read; `reason` is one of the codes
    above (docs/contract.md#reason-codes)."""


class RecordTooLarge(PermanentError):
    """One event alone makes a Kafka record over the size limit (reason `oversize`)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(OVERSIZE, detail)


class TransientError(ForwarderError):
    """Delivery failed for now (broker down, timeout, rejected credentials): retry via SQS."""


class DeliveryFailed(TransientError):
    """Kafka did not acknowledge a record in time or answered with a retriable error."""


class BrokerUnreachable(DeliveryFailed):
    """No connection or metadata within the time allowed. With SASL this is also how a login
    refused at bootstrap shows, so the secret is refetched before the records are retried."""


class TlsRefused(BrokerUnreachable):
    """The TLS handshake failed: the broker's certificate was refused (chain, host name, strict
    X.509) or the broker refused ours (mTLS). The message says which, never certificate content;
    like any bootstrap failure the secret is refetched once (its `ca_pem` may have changed)."""


class TopicUnwritable(TransientError):
    """The cluster answers but the topic cannot be written: a deployment problem an alarm shows.

    Not a login problem, so the secret is not refetched. `reason` is the stable code logged and
    counted; `topic` names the topic (never a payload).
    """

    reason = "topic_unwritable"

    def __init__(self, topic: str) -> None:
        super().__init__(f"{self.reason}: {topic}")
        self.topic = topic


class UnknownTopic(TopicUnwritable):
    """The topic does not exist (the forwarder never creates topics)."""

    reason = "unknown_topic"


class NotAuthorized(TopicUnwritable):
    """The principal may not write to the topic (TopicAuthorizationFailed)."""

    reason = "not_authorized"


class CredentialsRejected(TransientError):
    """The broker refused the SASL credentials (often a rotation in progress)."""


class SecretUnavailable(TransientError):
    """The secret could not be read or does not hold the expected JSON shape."""


class DeadLetterFailed(TransientError):
    """Writing an invalid record to the dead-letter queue failed; retry it instead."""
