"""Settings (docs/contract.md#settings): names, types, defaults, errors that name what to fix."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from core.errors import SettingsError
from core.settings import (
    AuthMethod,
    Compression,
    Settings,
    load_settings,
    load_settings_file,
    misspelt_variables,
)
from tests.support.certificates import revocation_list_only, self_signed_ca

pytestmark = pytest.mark.usefixtures("clean_environment")

FLAGS = {
    "SEND_NETWORK_PERFORMANCE_EVENTS": True,
    "SEND_AS_BATCH": True,
    "INCLUDE_LOCATION_INFORMATION": True,
    "INCLUDE_METADATA": True,
    "INCLUDE_USER_ATTRIBUTE_CHANGE_EVENTS": False,
    "INCLUDE_USER_IDENTITY_CHANGE_EVENTS": False,
    "SEND_BATCHES_WITHOUT_EVENTS": True,
    "INCLUDE_MP_DEVICEID": False,
    "INCLUDE_EVENT_BATCH_LOCATION": False,
}
LAMBDA_ENV = {
    "KAFKA_BOOTSTRAP_SERVERS": "b-1.kafka.example:9096,b-2.kafka.example:9096",
    "KAFKA_TOPIC": "mparticle-events",
    "KAFKA_SECRET_ID": "forwarder/kafka",
    "DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/forwarder-dlq",
}


def env(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def error_of(monkeypatch: pytest.MonkeyPatch, **variables: str) -> str:
    env(monkeypatch, **variables)
    with pytest.raises(SettingsError) as caught:
        load_settings("preview")
    return str(caught.value)


@pytest.mark.parametrize(
    ("variable", "raw", "field", "expected"),
    [
        ("KAFKA_BOOTSTRAP_SERVERS", "a.example:9092, b.example:9093", "kafka_bootstrap_servers",
         ("a.example:9092", "b.example:9093")),
        ("KAFKA_TOPIC", "mparticle.events_v2-eu", "kafka_topic", "mparticle.events_v2-eu"),
        ("KAFKA_AUTH_METHOD", "SCRAM-SHA-512", "kafka_auth_method", AuthMethod.SCRAM_SHA_512),
        ("KAFKA_SECRET_ID", "arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka",
         "kafka_secret_id", "arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka"),
        ("DEAD_LETTER_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq",
         "dead_letter_queue_url", "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq"),
        ("KAFKA_MAX_MESSAGE_BYTES", "2000000", "kafka_max_message_bytes", 2_000_000),
        ("UNIQUE_ID", "shop-eu", "unique_id", "shop-eu"),
        ("METADATA_FIELD_EXCLUSION", "device_name,ip_address", "metadata_field_exclusion",
         frozenset({"device_name", "ip_address"})),
        *[(name, "false" if default else "true", name.lower(), not default)
          for name, default in FLAGS.items()],
    ],
)  # fmt: skip
def test_every_variable_is_read_from_its_spec_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, field: str, expected: object
) -> None:
    env(monkeypatch, **{variable: raw})
    assert getattr(load_settings("preview"), field) == expected


def test_defaults_are_the_specs() -> None:
    settings = load_settings("preview")
    assert {name: getattr(settings, name.lower()) for name in FLAGS} == FLAGS
    assert settings.kafka_auth_method is AuthMethod.PLAIN
    assert settings.unique_id is None
    assert settings.metadata_field_exclusion == frozenset()
    assert settings.kafka_ca_bundle is None


def test_max_message_bytes_defaults_to_one_million() -> None:
    assert load_settings("preview").kafka_max_message_bytes == 1_000_000


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize(
    ("word", "meaning"),
    [("true", True), ("TRUE", True), ("True", True), ("1", True), ("yes", True), ("YeS", True),
     ("false", False), ("FALSE", False), ("0", False), ("no", False), ("No", False)],
)  # fmt: skip
def test_booleans_accept_the_spec_words_in_any_case(
    monkeypatch: pytest.MonkeyPatch, flag: str, word: str, meaning: bool
) -> None:
    env(monkeypatch, **{flag: word})
    assert getattr(load_settings("preview"), flag.lower()) is meaning


@pytest.mark.parametrize("word", ["on", "off", "2", "-1", "t", "y", "truee", "null"])
def test_booleans_reject_any_other_word(monkeypatch: pytest.MonkeyPatch, word: str) -> None:
    message = error_of(monkeypatch, SEND_AS_BATCH=word)
    assert "SEND_AS_BATCH" in message
    assert "true/false/1/0/yes/no" in message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", set()), ("device_name", {"device_name"}), ("ip_address", {"ip_address"}),
     (" device_name , ip_address ", {"device_name", "ip_address"})],
)  # fmt: skip
def test_metadata_field_exclusion_accepts_its_closed_set(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: set[str]
) -> None:
    env(monkeypatch, METADATA_FIELD_EXCLUSION=raw)
    assert load_settings("preview").metadata_field_exclusion == expected


@pytest.mark.parametrize("raw", ["device", "mac_address", "device_name,ip", "IP_ADDRESS"])
def test_metadata_field_exclusion_rejects_other_names(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    message = error_of(monkeypatch, METADATA_FIELD_EXCLUSION=raw)
    assert "METADATA_FIELD_EXCLUSION" in message
    assert "device_name, ip_address" in message


@pytest.mark.parametrize(
    "raw", ["localhost:9092", "b-1.kafka.example:9096,b-2.kafka.example:1", "[::1]:9093",
            "10.0.0.7:65535"]
)  # fmt: skip
def test_broker_list_accepts_host_port_entries(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    env(monkeypatch, KAFKA_BOOTSTRAP_SERVERS=raw)
    assert load_settings("preview").kafka_bootstrap_servers == tuple(raw.split(","))


@pytest.mark.parametrize(
    "raw", ["broker", "broker:0", "broker:65536", "broker:http", "a:1;b:2", "a:1,b", ":9092"]
)
def test_broker_list_rejects_entries_that_are_not_host_port(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    message = error_of(monkeypatch, KAFKA_BOOTSTRAP_SERVERS=raw)
    assert "KAFKA_BOOTSTRAP_SERVERS" in message
    assert "host:port" in message


def test_blank_broker_list_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, KAFKA_BOOTSTRAP_SERVERS="")
    assert load_settings("preview").kafka_bootstrap_servers is None


@pytest.mark.parametrize("raw", ["events", "mparticle.events_v2-eu", "x" * 249])
def test_topic_accepts_valid_kafka_topic_names(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    env(monkeypatch, KAFKA_TOPIC=raw)
    assert load_settings("preview").kafka_topic == raw


@pytest.mark.parametrize("raw", ["a/b", "with space", ".", "..", "x" * 250, "ümlaut"])
def test_topic_rejects_invalid_kafka_topic_names(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    message = error_of(monkeypatch, KAFKA_TOPIC=raw)
    assert "KAFKA_TOPIC" in message
    assert "A-Z a-z 0-9 . _ -" in message


@pytest.mark.parametrize("raw", ["many", "1.5", "1023", "100000001"])
def test_max_message_bytes_rejects_values_outside_its_range(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    message = error_of(monkeypatch, KAFKA_MAX_MESSAGE_BYTES=raw)
    assert "KAFKA_MAX_MESSAGE_BYTES" in message
    assert "an integer from 1024 to 100000000" in message


@pytest.mark.parametrize("raw", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "NONE"])
def test_auth_method_accepts_the_four_mechanisms(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    env(monkeypatch, KAFKA_AUTH_METHOD=raw)
    assert load_settings("preview").kafka_auth_method.value == raw


@pytest.mark.parametrize("raw", ["GSSAPI", "OAUTHBEARER", "scram"])
def test_auth_method_rejects_other_mechanisms(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    message = error_of(monkeypatch, KAFKA_AUTH_METHOD=raw)
    assert "KAFKA_AUTH_METHOD" in message
    assert "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, NONE" in message


def test_compression_defaults_to_none() -> None:
    assert load_settings("preview").kafka_compression is Compression.NONE


@pytest.mark.parametrize("raw", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_compression_accepts_the_five_codecs(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    env(monkeypatch, KAFKA_COMPRESSION=raw)
    assert load_settings("preview").kafka_compression.value == raw


@pytest.mark.parametrize("raw", ["brotli", "GZIP", "zstandard", "true"])
def test_compression_rejects_other_codecs(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    message = error_of(monkeypatch, KAFKA_COMPRESSION=raw)
    assert "KAFKA_COMPRESSION" in message
    assert "none, gzip, snappy, lz4, zstd" in message


def test_blank_unique_id_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, UNIQUE_ID="  ")
    assert load_settings("preview").unique_id is None


def test_ca_bundle_must_be_an_existing_file(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(monkeypatch, KAFKA_CA_BUNDLE="/nonexistent/ca.pem")
    assert "KAFKA_CA_BUNDLE" in message


@pytest.mark.parametrize(
    "content",
    ["not a certificate\n", "", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"],
)
def test_ca_bundle_that_is_not_a_pem_certificate_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text(content)
    message = error_of(monkeypatch, KAFKA_CA_BUNDLE=str(bundle))
    assert "KAFKA_CA_BUNDLE" in message
    assert "certificate" in message


def test_ca_bundle_holding_only_a_private_key_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    self_signed_ca(tmp_path)
    message = error_of(monkeypatch, KAFKA_CA_BUNDLE=str(tmp_path / "test-ca.key"))
    assert "KAFKA_CA_BUNDLE" in message


def test_ca_bundle_holding_only_a_revocation_list_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # OpenSSL reads a CRL without complaint; the bundle must still hold a certificate to trust.
    message = error_of(monkeypatch, KAFKA_CA_BUNDLE=str(revocation_list_only(tmp_path)))
    assert "KAFKA_CA_BUNDLE: a path to a readable PEM file holding at least one certificate" in (
        message
    )


def test_ca_bundle_holding_a_certificate_is_accepted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pem = self_signed_ca(tmp_path)
    env(monkeypatch, KAFKA_CA_BUNDLE=str(pem))
    assert load_settings("preview").kafka_ca_bundle == str(pem)


@pytest.mark.parametrize(
    "url",
    [
        "https://sqs.us-east-1.amazonaws.com/123456789012/forwarder-dlq",
        "https://sqs.eu-west-1.amazonaws.com/123456789012/forwarder_dlq.fifo",
        "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/dlq",
        "https://eu-west-1.queue.amazonaws.com/123456789012/dlq",
        "https://queue.amazonaws.com/123456789012/dlq",
        "https://vpce-0a1b2c3d-4e5f6a7b.sqs.us-east-1.vpce.amazonaws.com/123456789012/dlq",
        "http://127.0.0.1:5000/123456789012/forwarder-dlq",
        "http://localhost:4566/000000000000/dlq",
        "https://sqs.us-east-1.amazonaws.com/123456789012/" + "q" * 80,
    ],
)
def test_dead_letter_queue_url_accepts_sqs_queue_urls(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    env(monkeypatch, DEAD_LETTER_QUEUE_URL=url)
    assert load_settings("preview").dead_letter_queue_url == url


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "sqs.us-east-1.amazonaws.com/123456789012/dlq",
        "ftp://sqs.us-east-1.amazonaws.com/123456789012/dlq",
        "https://sqs.us-east-1.amazonaws.com/dlq",
        "https://sqs.us-east-1.amazonaws.com/12345/dlq",
        "https://sqs.us-east-1.amazonaws.com/123456789012/",
        "https://sqs.us-east-1.amazonaws.com/123456789012/dlq/",
        "https://sqs.us-east-1.amazonaws.com/123456789012/my queue",
        "https://sqs.us-east-1.amazonaws.com/123456789012/dlq.fifo.fifo",
        "https://sqs.us-east-1.amazonaws.com/123456789012/" + "q" * 81,
        "https://sqs.us-east-1.amazonaws.com/123456789012/" + "q" * 76 + ".fifo",
        "http://localhost:99999/123456789012/dlq",
        "arn:aws:sqs:us-east-1:123456789012:dlq",
    ],
)
def test_dead_letter_queue_url_that_is_not_an_sqs_queue_url_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    message = error_of(monkeypatch, DEAD_LETTER_QUEUE_URL=url)
    assert "DEAD_LETTER_QUEUE_URL" in message
    assert "SQS queue URL" in message


@pytest.mark.parametrize(
    "variable",
    ["SEND_AS_BATCH", "INCLUDE_METADATA", "KAFKA_MAX_MESSAGE_BYTES", "SECRET_CACHE_TTL_SECONDS",
     "KAFKA_AUTH_METHOD", "METADATA_FIELD_EXCLUSION", "KAFKA_TOPIC"],
)  # fmt: skip
@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_value_means_unset_and_gives_the_default(
    monkeypatch: pytest.MonkeyPatch, variable: str, blank: str
) -> None:
    env(monkeypatch, **{variable: blank})
    settings = load_settings("preview")
    assert getattr(settings, variable.lower()) == Settings.model_fields[variable.lower()].default


def test_every_flag_left_empty_by_sam_takes_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, **dict.fromkeys(FLAGS, ""))
    settings = load_settings("preview")
    assert {name: getattr(settings, name.lower()) for name in FLAGS} == FLAGS


def test_an_empty_required_setting_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, **{**LAMBDA_ENV, "DEAD_LETTER_QUEUE_URL": " "})
    with pytest.raises(SettingsError, match=r"missing required setting.*DEAD_LETTER_QUEUE_URL"):
        load_settings("lambda")


def test_settings_file_empty_values_mean_unset(tmp_path: Path) -> None:
    path = write_json(tmp_path / "settings.json", {"send_as_batch": "", "kafka_topic": ""})
    settings = load_settings_file(path)
    assert (settings.send_as_batch, settings.kafka_topic) == (True, None)


@pytest.mark.parametrize(
    ("variable", "meant"),
    [("SEND_AS_BATCHES", "SEND_AS_BATCH"), ("KAFKA_TOPICS", "KAFKA_TOPIC"),
     ("INCLUDE_MP_DEVICE_ID", "INCLUDE_MP_DEVICEID"), ("KAFKA_SECRET_ARN", "KAFKA_SECRET_ID"),
     ("SECRET_CACHE_TTL", "SECRET_CACHE_TTL_SECONDS"),
     ("dead_letter_queue", "DEAD_LETTER_QUEUE_URL"), ("KAFKA_CA_BUNDLE_PATH", "KAFKA_CA_BUNDLE")],
)  # fmt: skip
def test_a_variable_that_looks_like_a_setting_is_a_suspect(variable: str, meant: str) -> None:
    assert misspelt_variables([variable, "PATH"]) == [(variable, meant)]


def test_a_variable_that_extends_a_settings_name_is_a_suspect_however_long() -> None:
    # Too long for a close match: extending the name is what makes it a suspect.
    assert misspelt_variables(["KAFKA_TOPIC_OVERRIDE"]) == [("KAFKA_TOPIC_OVERRIDE", "KAFKA_TOPIC")]


LAMBDA_RUNTIME_VARIABLES = [
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_INITIALIZATION_TYPE", "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR", "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_XRAY_CONTEXT_MISSING",
    "AWS_XRAY_DAEMON_ADDRESS", "TZ", "LANG", "PATH", "LD_LIBRARY_PATH", "PYTHONPATH",
    "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_TRACE_DISABLED", "AWS_ENDPOINT_URL",
]  # fmt: skip


def test_settings_and_the_lambda_runtime_variables_are_no_suspects() -> None:
    settings = [name.upper() for name in Settings.model_fields]
    assert misspelt_variables([*settings, "send_as_batch", *LAMBDA_RUNTIME_VARIABLES]) == []


def test_preview_needs_no_kafka_connection_settings() -> None:
    settings = load_settings("preview")
    assert settings.kafka_bootstrap_servers is None
    assert settings.kafka_topic is None


def test_lambda_reads_every_connection_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, **LAMBDA_ENV)
    settings = load_settings("lambda")
    assert settings.kafka_topic == "mparticle-events"
    assert settings.kafka_secret_id == "forwarder/kafka"


def test_lambda_requires_the_kafka_connection_settings() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings("lambda")
    for name in (
        "KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_TOPIC",
        "DEAD_LETTER_QUEUE_URL",
        "KAFKA_SECRET_ID",
    ):
        assert name in str(caught.value)


def test_the_missing_required_settings_are_listed_in_one_message() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings("lambda")
    assert str(caught.value) == (
        "missing required setting(s): KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC, DEAD_LETTER_QUEUE_URL,"
        " KAFKA_SECRET_ID"
    )


def test_lambda_needs_no_secret_when_auth_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, **{**LAMBDA_ENV, "KAFKA_SECRET_ID": "", "KAFKA_AUTH_METHOD": "NONE"})
    assert load_settings("lambda").kafka_secret_id is None


def test_lambda_requires_a_secret_with_sasl(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, **{**LAMBDA_ENV, "KAFKA_SECRET_ID": ""})
    with pytest.raises(SettingsError, match="KAFKA_SECRET_ID"):
        load_settings("lambda")


def write_json(path: Path, content: object) -> Path:
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_settings_file_takes_lower_case_keys(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "settings.json",
        {"kafka_topic": "events", "send_as_batch": "no", "include_metadata": False,
         "metadata_field_exclusion": ["ip_address"], "kafka_max_message_bytes": 4096},
    )  # fmt: skip
    settings = load_settings_file(path)
    assert settings.kafka_topic == "events"
    assert settings.send_as_batch is False
    assert settings.include_metadata is False
    assert settings.metadata_field_exclusion == {"ip_address"}
    assert settings.kafka_max_message_bytes == 4096


def test_settings_file_accepts_json_booleans_and_zero_one(tmp_path: Path) -> None:
    path = write_json(tmp_path / "s.json", {"send_as_batch": 0, "include_mp_deviceid": 1})
    settings = load_settings_file(path)
    assert settings.send_as_batch is False
    assert settings.include_mp_deviceid is True


def test_settings_file_refuses_a_number_other_than_zero_or_one_as_a_flag(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings_file(write_json(tmp_path / "s.json", {"send_as_batch": 2}))
    assert str(caught.value) == (
        "invalid setting(s): send_as_batch: accepted values: true/false/1/0/yes/no (any case)"
    )


def test_settings_file_is_read_as_utf8_whatever_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A machine whose locale is Latin-1 (the default encoding of text files there).
    monkeypatch.setattr(io, "text_encoding", lambda encoding, stacklevel=2: encoding or "latin-1")
    path = tmp_path / "s.json"
    path.write_bytes('{"unique_id": "café-eu"}'.encode())
    assert load_settings_file(path).unique_id == "café-eu"


def test_settings_file_ignores_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env(monkeypatch, SEND_AS_BATCH="false")
    assert load_settings_file(write_json(tmp_path / "s.json", {})).send_as_batch is True


def test_settings_file_rejects_unknown_keys(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="send_as_batches: unknown setting"):
        load_settings_file(write_json(tmp_path / "s.json", {"send_as_batches": "false"}))


def test_every_bad_setting_is_named_in_one_message(tmp_path: Path) -> None:
    content = {"send_as_batches": "false", "kafka_topik": "t", "retry_backoff_base_seconds": "x"}
    with pytest.raises(SettingsError) as raised:
        load_settings_file(write_json(tmp_path / "s.json", content))
    assert str(raised.value) == (
        "invalid setting(s): retry_backoff_base_seconds: accepted values: an integer from 0 to"
        " 43200; send_as_batches: unknown setting; kafka_topik: unknown setting"
    )


def test_a_rule_across_settings_is_reported_as_a_settings_error(tmp_path: Path) -> None:
    content = {"retry_backoff_base_seconds": 60, "retry_backoff_max_seconds": 30}
    with pytest.raises(SettingsError) as raised:
        load_settings_file(write_json(tmp_path / "s.json", content))
    assert str(raised.value) == (
        "invalid setting(s): settings: RETRY_BACKOFF_BASE_SECONDS must not exceed"
        " RETRY_BACKOFF_MAX_SECONDS"
    )


def test_settings_file_errors_name_the_key_and_accepted_values(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings_file(write_json(tmp_path / "s.json", {"include_metadata": "sometimes"}))
    assert "include_metadata" in str(caught.value)
    assert "true/false/1/0/yes/no" in str(caught.value)


def test_settings_file_must_hold_a_json_object(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="must hold a JSON object"):
        load_settings_file(write_json(tmp_path / "s.json", ["kafka_topic"]))


def test_unreadable_settings_file_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read settings file"):
        load_settings_file(tmp_path / "missing.json")


def test_settings_file_in_lambda_mode_requires_connection_settings(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="kafka_topic"):
        load_settings_file(write_json(tmp_path / "s.json", {}), "lambda")
