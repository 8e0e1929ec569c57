"""The adapters' pure parts: producer settings, error translation, secret parsing, dead-letter
batching. Their I/O is tested against the real stack in tests/integration."""

from __future__ import annotations

import json
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from kafka import KafkaProducer
from kafka import errors as kafka_errors

from adapters.dead_letters import SqsDeadLetterSink
from adapters.kafka_errors import translate
from adapters.kafka_producer import Timeouts, producer_config
from adapters.secrets import WORST_READ_S, SecretsManagerSource, parse_secret
from core.credentials import Credentials
from core.deadline import Deadline
from core.errors import (
    CredentialsRejected,
    DeliveryFailed,
    NotAuthorized,
    PermanentError,
    RecordTooLarge,
    SecretUnavailable,
    TopicUnwritable,
    UnknownTopic,
)
from core.kafka_records import body_digest
from core.outcomes import DeadLetter
from core.settings import load_settings
from tests.support.certificates import self_signed_ca
from tests.support.secrets_provider import RecordingProvider

LAMBDA = {
    "kafka_bootstrap_servers": "b1:9096,b2:9096",
    "kafka_topic": "events",
    "kafka_secret_id": "s",
    "dead_letter_queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
}
ALICE = Credentials("alice", "s3cret-canary")


def ample() -> Deadline:
    """Time enough for every call, from now (a deadline made at import would expire while the
    rest of a long suite runs)."""
    return Deadline.in_seconds(30.0, 5.0)


def config(**overrides: Any) -> dict[str, Any]:
    settings = load_settings("lambda", LAMBDA | overrides)
    credentials = None if overrides.get("kafka_auth_method") == "NONE" else ALICE
    return producer_config(settings, credentials, Timeouts.within(30_000))


def test_the_producer_waits_for_all_replicas_with_idempotence_set_explicitly() -> None:
    assert config()["acks"] == "all"
    assert config()["enable_idempotence"] is True


def test_sasl_methods_use_sasl_ssl_with_the_secrets_credentials() -> None:
    produced = config(kafka_auth_method="SCRAM-SHA-512")
    assert produced["security_protocol"] == "SASL_SSL"
    assert produced["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (produced["sasl_plain_username"], produced["sasl_plain_password"]) == (
        "alice",
        "s3cret-canary",
    )


def test_auth_method_none_is_tls_only() -> None:
    produced = config(kafka_auth_method="NONE")
    assert produced["security_protocol"] == "SSL"
    assert "sasl_mechanism" not in produced


def test_tls_verifies_the_certificate_and_the_hostname() -> None:
    context: ssl.SSLContext = config()["ssl_context"]
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2


def test_the_producer_checks_broker_certificates_with_strict_x509_by_default() -> None:
    context: ssl.SSLContext = config()["ssl_context"]
    assert context.verify_flags & ssl.VERIFY_X509_STRICT


def test_kafka_tls_strict_x509_false_relaxes_the_producers_strict_checking() -> None:
    context: ssl.SSLContext = config(kafka_tls_strict_x509="false")["ssl_context"]
    assert not context.verify_flags & ssl.VERIFY_X509_STRICT


def test_every_producer_setting_is_one_kafka_python_knows() -> None:
    assert set(config()) <= set(KafkaProducer.DEFAULT_CONFIG)


def test_the_producer_connects_to_the_bootstrap_brokers_as_the_forwarder() -> None:
    produced = config()
    assert produced["bootstrap_servers"] == list(LAMBDA["kafka_bootstrap_servers"].split(","))
    assert produced["client_id"] == "kafka-event-forwarder"


def test_records_linger_2_ms_in_batches_of_up_to_256_kib_without_client_metrics() -> None:
    produced = config()
    assert (produced["linger_ms"], produced["batch_size"]) == (2, 256 * 1024)
    assert produced["metrics_enabled"] is False


def test_the_producer_timeouts_are_those_derived_from_the_budget() -> None:
    produced, timeouts = config(), Timeouts.within(30_000)
    assert (
        produced["max_block_ms"],
        produced["request_timeout_ms"],
        produced["delivery_timeout_ms"],
    ) == (timeouts.max_block_ms, timeouts.request_timeout_ms, timeouts.delivery_timeout_ms)


def test_the_producer_trusts_the_ca_bundle_and_the_secrets_ca(tmp_path: Path) -> None:
    (tmp_path / "bundle").mkdir()
    (tmp_path / "secret").mkdir()
    bundle = self_signed_ca(tmp_path / "bundle")
    secret_ca = self_signed_ca(tmp_path / "secret").read_text()
    settings = load_settings("lambda", LAMBDA | {"kafka_ca_bundle": str(bundle)})
    credentials = Credentials("alice", "s3cret-canary", secret_ca)
    context: ssl.SSLContext = producer_config(settings, credentials, Timeouts.within(30_000))[
        "ssl_context"
    ]
    assert context.cert_store_stats()["x509_ca"] == 2


def test_sasl_without_credentials_makes_no_producer_config() -> None:
    settings = load_settings("lambda", LAMBDA)
    with pytest.raises(ValueError, match=r"^SASL needs credentials$"):
        producer_config(settings, None, Timeouts.within(30_000))


def test_the_api_version_is_pinned_so_construction_does_not_block() -> None:
    assert config()["api_version"] == (4, 0)


def test_the_request_size_leaves_room_above_the_record_limit() -> None:
    assert config(kafka_max_message_bytes=500_000)["max_request_size"] > 500_000


def test_no_compression_leaves_record_batches_uncompressed() -> None:
    assert config()["compression_type"] is None


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_the_compression_setting_is_the_producers_codec(codec: str) -> None:
    assert config(kafka_compression=codec)["compression_type"] == codec


@pytest.mark.parametrize(
    ("budget_ms", "max_block_ms", "request_timeout_ms", "delivery_timeout_ms"),
    [
        (2_000, 750, 1_500, 2_000),
        (3_000, 750, 1_500, 2_000),
        (9_999, 2_499, 4_999, 8_999),
        (30_000, 5_000, 20_000, 29_000),
        (900_000, 5_000, 30_000, 899_000),
    ],
)
def test_producer_timeouts_are_whole_milliseconds_derived_from_the_function_timeout(
    budget_ms: int, max_block_ms: int, request_timeout_ms: int, delivery_timeout_ms: int
) -> None:
    # A quarter of the budget (at most 5 s) to block, half of it raised towards 20 s to wait for
    # a request, all but 1 s to deliver; a budget under 3 s counts as 3 s (docs/providers.md).
    assert Timeouts.within(budget_ms) == Timeouts(
        max_block_ms, request_timeout_ms, delivery_timeout_ms
    )


@pytest.mark.parametrize("budget_ms", [3_000, 10_000, 30_000, 900_000])
def test_producer_timeouts_stay_below_the_function_timeout(budget_ms: int) -> None:
    timeouts = Timeouts.within(budget_ms)
    assert timeouts.delivery_timeout_ms < budget_ms
    assert timeouts.request_timeout_ms < timeouts.delivery_timeout_ms
    assert timeouts.max_block_ms < budget_ms


@pytest.mark.parametrize(
    ("kafka_error", "expected"),
    [
        (kafka_errors.SaslAuthenticationFailedError(), CredentialsRejected),
        (kafka_errors.MessageSizeTooLargeError(), RecordTooLarge),
        (kafka_errors.InvalidRecordError(), PermanentError),
        (kafka_errors.NotEnoughReplicasError(), DeliveryFailed),
        (kafka_errors.TopicAuthorizationFailedError(), NotAuthorized),
        (kafka_errors.UnknownTopicOrPartitionError(), UnknownTopic),
        (kafka_errors.KafkaConnectionError(), DeliveryFailed),
    ],
)
def test_kafka_errors_are_sorted_into_permanent_and_transient(
    kafka_error: Exception, expected: type[Exception]
) -> None:
    assert isinstance(translate(kafka_error, "events"), expected)


@pytest.mark.parametrize(
    ("kafka_error", "reason"),
    [
        (kafka_errors.TopicAuthorizationFailedError(), "not_authorized"),
        (kafka_errors.UnknownTopicOrPartitionError(), "unknown_topic"),
    ],
)
def test_an_unwritable_topic_is_its_own_retry_reason_naming_the_topic(
    kafka_error: Exception, reason: str
) -> None:
    error = translate(kafka_error, "mparticle-evnets")
    assert isinstance(error, TopicUnwritable)
    assert (error.reason, error.topic) == (reason, "mparticle-evnets")


@pytest.mark.parametrize(
    ("kafka_error", "expected"),
    [
        (kafka_errors.SaslAuthenticationFailedError(), "the broker rejected the SASL credentials"),
        (kafka_errors.NotEnoughReplicasError(), "NotEnoughReplicasError"),
        (kafka_errors.KafkaConnectionError(), "KafkaConnectionError"),
    ],
)
def test_a_transient_kafka_error_carries_its_documented_retry_reason(
    kafka_error: Exception, expected: str
) -> None:
    assert str(translate(kafka_error, "events")) == expected


@pytest.mark.parametrize(
    "kafka_error", [kafka_errors.InvalidRecordError(), kafka_errors.CorruptRecordError()]
)
def test_an_invalid_or_corrupt_record_dead_letters_with_reason_invalid_record(
    kafka_error: Exception,
) -> None:
    error = translate(kafka_error, "events")
    assert (type(error), error.reason) == (PermanentError, "invalid_record")  # type: ignore[attr-defined]


def test_a_broker_size_refusal_dead_letters_with_reason_oversize() -> None:
    assert translate(kafka_errors.MessageSizeTooLargeError(), "events").reason == "oversize"  # type: ignore[attr-defined]


def test_a_valid_secret_gives_credentials_and_an_optional_ca(tmp_path: Path) -> None:
    pem = self_signed_ca(tmp_path).read_text()
    raw = json.dumps({"username": "u", "password": "p", "ca_pem": pem})
    assert parse_secret(raw, "id") == Credentials("u", "p", pem)


def test_a_secret_with_an_empty_ca_pem_has_no_ca() -> None:
    raw = '{"username": "u", "password": "p", "ca_pem": ""}'
    assert parse_secret(raw, "id") == Credentials("u", "p", None)


@pytest.mark.parametrize(
    "ca_pem",
    ["ca-canary", "-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nY2EtY2FuYXJ5\n"
     "-----END CERTIFICATE-----\n", " "],
)  # fmt: skip
def test_a_secret_whose_ca_pem_is_no_certificate_is_unavailable_naming_the_secret_not_the_value(
    ca_pem: str,
) -> None:
    raw = json.dumps({"username": "u", "password": "s3cret-canary", "ca_pem": ca_pem})
    with pytest.raises(SecretUnavailable, match="forwarder/kafka") as raised:
        parse_secret(raw, "forwarder/kafka")
    assert "ca_pem" in str(raised.value)
    assert "canary" not in str(raised.value)
    assert "Y2Et" not in str(raised.value)


@pytest.mark.parametrize(
    "raw",
    [
        "s3cret-canary",
        '["s3cret-canary"]',
        '{"username": "u"}',
        '{"username": "u", "password": ""}',
        '{"username": "u", "password": 12345}',
        '{"username": "u", "password": "s3cret-canary", "ca_pem": 1}',
    ],
)
def test_a_malformed_secret_is_unavailable_without_showing_its_value(raw: str) -> None:
    with pytest.raises(SecretUnavailable) as raised:
        parse_secret(raw, "forwarder/kafka")
    assert "s3cret-canary" not in str(raised.value)
    assert "12345" not in str(raised.value)


def test_a_secret_that_is_not_json_is_unavailable_naming_the_secret() -> None:
    with pytest.raises(SecretUnavailable) as raised:
        parse_secret("s3cret-canary", "forwarder/kafka")
    assert str(raised.value) == "secret forwarder/kafka is not a JSON object"


def test_a_secret_whose_ca_pem_is_not_text_is_unavailable_saying_it_must_be_pem_text() -> None:
    with pytest.raises(SecretUnavailable) as raised:
        parse_secret('{"username": "u", "password": "p", "ca_pem": 1}', "forwarder/kafka")
    assert str(raised.value) == "secret forwarder/kafka: 'ca_pem' must be PEM text"


def test_credentials_do_not_show_the_password_in_their_repr() -> None:
    assert repr(ALICE) == "Credentials(<redacted>)"


class RecordingSqs:
    """SendMessageBatch as boto3 answers it: a `Failed` list only when an entry failed; with
    `raising`, the calls of those numbers (from 0) raise as an unreachable endpoint does."""

    def __init__(self, failing_ids: Sequence[str] = (), raising: Sequence[int] = ()) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.urls: list[str] = []
        self.failing_ids = failing_ids
        self.raising = raising
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls.append(Entries)
        self.urls.append(QueueUrl)
        if len(self.calls) - 1 in self.raising:
            raise EndpointConnectionError(endpoint_url=QueueUrl)
        failed = [
            {"Id": e["Id"], "Code": "x", "SenderFault": False}
            for e in Entries
            if e["MessageAttributes"]["source-message-id"]["StringValue"] in self.failing_ids
        ]
        answer: dict[str, Any] = {"Successful": [{"Id": e["Id"]} for e in Entries]}
        return answer | {"Failed": failed} if failed else answer


DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/dlq"
FIFO_DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/dlq.fifo"


def dead_letter_sink(sqs: RecordingSqs, url: str = DLQ_URL) -> SqsDeadLetterSink:
    return SqsDeadLetterSink(url, lambda: sqs, worst_call_s=3.0)  # type: ignore[arg-type,return-value]


def letters(count: int, size: int = 10) -> list[DeadLetter]:
    return [DeadLetter(f"m{i}", "x" * size, "InvalidBatch", "not_json") for i in range(count)]


def test_dead_letters_go_in_batches_of_at_most_ten() -> None:
    sqs = RecordingSqs()
    dead_letter_sink(sqs).send(letters(23), ample())
    assert [len(call) for call in sqs.calls] == [10, 10, 3]


def test_dead_letter_batches_stay_under_the_request_size_limit() -> None:
    sqs = RecordingSqs()
    dead_letter_sink(sqs).send(letters(3, size=100_000), ample())
    assert [len(call) for call in sqs.calls] == [2, 1]


def test_dead_letters_that_exactly_fill_the_request_size_share_a_call() -> None:
    # 512 bytes of attributes and framing are counted per letter: four letters of half the
    # 256 KiB limit each make two full calls.
    sqs = RecordingSqs()
    dead_letter_sink(sqs).send(letters(4, size=128 * 1024 - 512), ample())
    assert [len(call) for call in sqs.calls] == [2, 2]


def test_dead_letters_that_fill_the_request_size_only_with_their_framing_go_apart() -> None:
    # 512 bytes of attributes and framing count per letter: two bodies of half the 256 KiB
    # limit minus 511 bytes overflow it by two bytes, so SQS would refuse them in one call.
    sqs = RecordingSqs()
    dead_letter_sink(sqs).send(letters(2, size=128 * 1024 - 511), ample())
    assert [len(call) for call in sqs.calls] == [1, 1]


def test_dead_letters_are_sent_to_the_dead_letter_queue() -> None:
    sqs = RecordingSqs()
    dead_letter_sink(sqs).send(letters(1), ample())
    assert sqs.urls == [DLQ_URL]


def test_a_dead_letter_to_a_fifo_queue_keeps_its_group_and_is_deduplicated_by_its_body() -> None:
    sqs = RecordingSqs()
    letter = DeadLetter("m-7", '{"not": "a batch"', "InvalidBatch", "not_json", group_id="user-7")
    dead_letter_sink(sqs, FIFO_DLQ_URL).send([letter], ample())
    [[entry]] = sqs.calls
    assert (entry["MessageGroupId"], entry["MessageDeduplicationId"]) == (
        "user-7",
        body_digest('{"not": "a batch"'),
    )


def test_a_dead_letter_without_a_group_goes_in_a_fifo_group_of_its_own() -> None:
    sqs = RecordingSqs()
    dead_letter_sink(sqs, FIFO_DLQ_URL).send(letters(2), ample())
    assert [entry["MessageGroupId"] for entry in sqs.calls[0]] == ["m0", "m1"]


def test_a_dead_letter_to_a_standard_queue_has_no_group_or_deduplication_id() -> None:
    sqs = RecordingSqs()
    dead_letter_sink(sqs, DLQ_URL).send(letters(1), ample())
    assert not {"MessageGroupId", "MessageDeduplicationId"} & set(sqs.calls[0][0])


def test_dead_letters_of_a_call_that_raised_are_returned_for_retry() -> None:
    sqs = RecordingSqs(raising=[0])
    assert dead_letter_sink(sqs).send(letters(2), ample()) == {"m0", "m1"}


def test_a_call_that_raised_does_not_stop_the_next_batch_of_dead_letters() -> None:
    sqs = RecordingSqs(raising=[0])
    failed = dead_letter_sink(sqs).send(letters(12), ample())
    assert (len(sqs.calls), failed) == (2, {f"m{i}" for i in range(10)})


def test_dead_letters_sqs_took_whole_are_not_returned_for_retry() -> None:
    # boto3 leaves `Failed` out of the answer when every entry succeeded.
    assert dead_letter_sink(RecordingSqs()).send(letters(3), ample()) == set()


def test_a_dead_letter_is_the_body_unchanged_with_three_string_attributes() -> None:
    sqs = RecordingSqs()
    letter = DeadLetter("m-7", '{"not": "a batch"', "InvalidBatch", "not_json")
    dead_letter_sink(sqs).send([letter], ample())
    assert sqs.calls == [
        [
            {
                "Id": "0",
                "MessageBody": '{"not": "a batch"',
                "MessageAttributes": {
                    "error-class": {"DataType": "String", "StringValue": "InvalidBatch"},
                    "error-reason": {"DataType": "String", "StringValue": "not_json"},
                    "source-message-id": {"DataType": "String", "StringValue": "m-7"},
                },
            }
        ]
    ]


def test_a_dead_letter_without_class_or_reason_says_unknown() -> None:
    sqs = RecordingSqs()
    dead_letter_sink(sqs).send([DeadLetter("m", "b", "", "")], ample())
    attributes = sqs.calls[0][0]["MessageAttributes"]
    assert (
        attributes["error-class"]["StringValue"],
        attributes["error-reason"]["StringValue"],
    ) == (
        "unknown",
        "unknown",
    )


def test_dead_letters_carry_the_error_class_and_reason_attributes() -> None:
    sqs = RecordingSqs()
    dead_letter_sink(sqs).send(letters(1), ample())
    attributes = sqs.calls[0][0]["MessageAttributes"]
    assert attributes["error-class"]["StringValue"] == "InvalidBatch"
    assert attributes["error-reason"]["StringValue"] == "not_json"


def test_dead_letters_sqs_refused_are_returned_for_retry() -> None:
    sqs = RecordingSqs(failing_ids=["m1"])
    assert dead_letter_sink(sqs).send(letters(3), ample()) == {"m1"}


def test_a_dead_letter_whose_body_is_not_valid_unicode_is_returned_for_retry() -> None:
    # A lone surrogate cannot be encoded for SQS: that letter alone is retried, the rest sent.
    sqs = RecordingSqs()
    lone = DeadLetter("m-lone", '{"s": "\ud800"}', "InvalidBatch", "not_json")
    sink = dead_letter_sink(sqs)
    assert sink.send([lone, *letters(2)], ample()) == {"m-lone"}
    assert [e["MessageAttributes"]["source-message-id"]["StringValue"] for e in sqs.calls[0]] == [
        "m0",
        "m1",
    ]


class SqsMaker:
    """A client factory as the container gives the sink: counts the clients it made."""

    def __init__(self) -> None:
        self.made: list[RecordingSqs] = []

    def __call__(self) -> RecordingSqs:
        self.made.append(RecordingSqs())
        return self.made[-1]


def test_the_dead_letter_client_is_not_made_until_a_letter_is_sent() -> None:
    maker = SqsMaker()
    sink = SqsDeadLetterSink("url", maker, worst_call_s=3.0)  # type: ignore[arg-type]

    sink.send([], ample())

    assert maker.made == []


def test_the_dead_letter_client_made_for_the_first_letter_sends_the_later_ones() -> None:
    maker = SqsMaker()
    sink = SqsDeadLetterSink("url", maker, worst_call_s=3.0)  # type: ignore[arg-type]

    sink.send(letters(1), ample())
    sink.send(letters(2), ample())

    assert [[len(call) for call in sqs.calls] for sqs in maker.made] == [[1, 2]]


def test_dead_letters_are_not_sent_when_one_call_would_outlast_the_deadline() -> None:
    sqs = RecordingSqs()
    short = Deadline.in_seconds(0.0, 2.9)  # one SendMessageBatch attempt may take 3 s
    sink = dead_letter_sink(sqs)
    assert sink.send(letters(3), short) == {"m0", "m1", "m2"}
    assert sqs.calls == []


def test_every_batch_of_dead_letters_is_returned_for_retry_when_no_call_fits_in_time() -> None:
    short = Deadline.in_seconds(0.0, 2.9)  # one SendMessageBatch attempt may take 3 s
    assert dead_letter_sink(RecordingSqs()).send(letters(12), short) == {f"m{i}" for i in range(12)}


class CountingProvider:
    """Powertools' SecretsProvider as the adapter calls it, counting calls."""

    def __init__(self) -> None:
        self.calls = 0

    def get(self, name: str, **options: Any) -> str:
        self.calls += 1
        return '{"username": "alice", "password": "s3cret-canary"}'


def test_a_secret_read_is_not_started_when_it_could_outlast_the_deadline() -> None:
    provider = CountingProvider()
    source = SecretsManagerSource("kafka/secret", 300, provider)  # type: ignore[arg-type]
    with pytest.raises(SecretUnavailable, match="too little time"):
        source.get(Deadline.in_seconds(0.0, WORST_READ_S - 0.1), refresh=True)
    assert provider.calls == 0


def test_a_secret_within_its_cache_time_is_served_even_with_no_time_left() -> None:
    # Powertools serves it from its cache (max_age): no call to Secrets Manager is made.
    source = SecretsManagerSource("kafka/secret", 300, CountingProvider())  # type: ignore[arg-type]
    first = source.get(ample())
    assert source.get(Deadline.in_seconds(0.0, 0.0)) == first


def test_a_secret_within_its_cache_time_is_read_and_parsed_once() -> None:
    provider = CountingProvider()
    source = SecretsManagerSource("kafka/secret", 300, provider)  # type: ignore[arg-type]
    first = source.get(ample())
    assert source.get(ample()) is first
    assert provider.calls == 1


def test_a_refresh_reads_the_secret_again_within_its_cache_time() -> None:
    provider = CountingProvider()
    source = SecretsManagerSource("kafka/secret", 300, provider)  # type: ignore[arg-type]
    source.get(ample())
    source.get(ample(), refresh=True)
    assert provider.calls == 2


class MalformedProvider(CountingProvider):
    def get(self, name: str, **options: Any) -> str:
        self.calls += 1
        return '{"username": "alice"}'


def test_a_secret_that_does_not_parse_fails_every_read_within_its_cache_time() -> None:
    source = SecretsManagerSource("kafka/secret", 300, MalformedProvider())  # type: ignore[arg-type]
    for _ in range(2):
        with pytest.raises(SecretUnavailable, match="password"):
            source.get(ample())


def test_the_producer_never_creates_a_topic() -> None:
    # A mistyped topic must fail as unknown_topic, not be created on a cluster that allows it.
    assert config()["allow_auto_create_topics"] is False


# --- the secret source's calls to Powertools ----------------------------------------------------

CURRENT = {"VersionStage": "AWSCURRENT"}


def test_a_read_asks_for_the_current_version_kept_for_the_cache_time() -> None:
    provider = RecordingProvider()
    SecretsManagerSource("kafka/secret", 300, provider).get(ample())  # type: ignore[arg-type]
    assert provider.calls == [("kafka/secret", {"max_age": 300, "force_fetch": False, **CURRENT})]


def test_a_refresh_forces_a_fetch_past_the_cache() -> None:
    provider = RecordingProvider()
    SecretsManagerSource("kafka/secret", 300, provider).get(ample(), refresh=True)  # type: ignore[arg-type]
    assert provider.calls == [("kafka/secret", {"max_age": 300, "force_fetch": True, **CURRENT})]


def test_a_cache_time_of_zero_fetches_at_every_read() -> None:
    provider = RecordingProvider()
    source = SecretsManagerSource("kafka/secret", 0, provider)  # type: ignore[arg-type]
    source.get(ample())
    source.get(ample())
    assert provider.calls == [("kafka/secret", {"max_age": 0, "force_fetch": True, **CURRENT})] * 2


def test_a_cache_time_of_one_second_serves_a_read_made_at_once_from_memory() -> None:
    provider = RecordingProvider()
    source = SecretsManagerSource("kafka/secret", 1, provider)  # type: ignore[arg-type]
    source.get(ample())
    source.get(ample())
    assert len(provider.calls) == 1


def test_a_first_read_is_not_started_when_it_could_outlast_the_deadline() -> None:
    provider = RecordingProvider()
    source = SecretsManagerSource("kafka/secret", 300, provider)  # type: ignore[arg-type]
    with pytest.raises(SecretUnavailable, match="too little time left to read secret kafka/secret"):
        source.get(Deadline.in_seconds(0.0, WORST_READ_S - 0.1))
    assert provider.calls == []


def test_an_unreadable_secret_is_unavailable_naming_it_and_the_aws_error() -> None:
    provider = RecordingProvider(error="AccessDeniedException")
    source = SecretsManagerSource("kafka/secret", 300, provider)  # type: ignore[arg-type]
    with pytest.raises(SecretUnavailable) as raised:
        source.get(ample())
    assert str(raised.value) == "cannot read secret kafka/secret: AccessDeniedException"


def test_a_malformed_secret_read_is_unavailable_naming_the_secret() -> None:
    source = SecretsManagerSource("kafka/secret", 300, RecordingProvider(value="[]"))  # type: ignore[arg-type]
    with pytest.raises(SecretUnavailable) as raised:
        source.get(ample())
    assert str(raised.value) == "secret kafka/secret is not a JSON object"


def test_an_unchanged_value_fetched_again_is_not_parsed_again() -> None:
    source = SecretsManagerSource("kafka/secret", 300, RecordingProvider())  # type: ignore[arg-type]
    first = source.get(ample())
    assert source.get(ample(), refresh=True) is first


def test_a_changed_value_fetched_again_is_parsed_anew() -> None:
    provider = RecordingProvider()
    source = SecretsManagerSource("kafka/secret", 300, provider)  # type: ignore[arg-type]
    source.get(ample())
    provider.value = '{"username": "bob", "password": "rotated"}'
    assert source.get(ample(), refresh=True) == Credentials("bob", "rotated")


def test_the_default_provider_fails_fast_on_a_slow_secrets_manager(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    config: Any = SecretsManagerSource("kafka/secret", 300)._provider.client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (1, 2)
    assert config.retries["total_max_attempts"] == 3  # botocore: max_attempts 2 = 2 retries


def test_closing_the_dead_letter_sink_closes_the_client_a_letter_made() -> None:
    maker = SqsMaker()
    sink = SqsDeadLetterSink("url", maker, worst_call_s=3.0)  # type: ignore[arg-type]
    sink.send(letters(1), ample())

    sink.close()

    assert [sqs.closed for sqs in maker.made] == [True]


def test_closing_a_dead_letter_sink_that_sent_nothing_makes_no_client() -> None:
    maker = SqsMaker()
    SqsDeadLetterSink("url", maker, worst_call_s=3.0).close()  # type: ignore[arg-type]
    assert maker.made == []


def test_closing_the_secret_source_closes_the_providers_client() -> None:
    provider = RecordingProvider()
    source = SecretsManagerSource("kafka/secret", 300, provider)  # type: ignore[arg-type]
    source.get(ample())

    source.close()

    assert provider.client.closed
