"""The forwarder's settings (docs/settings.md): one validated model, read once at cold start.

Values come from environment variables named as docs/settings.md names them, or, for the CLI,
from a JSON object with the same keys in lower case. An empty or blank value means unset (SAM
passes empty strings for optional parameters), whatever the setting's type. A bad value raises
`SettingsError` naming the variable and the values it accepts. The CA bundle is parsed here (a
file read with `ssl`, no connection) so that a bad one fails the cold start, not every produce.
"""

from __future__ import annotations

import difflib
import json
import re
import ssl
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from core.errors import SettingsError

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_TOPIC = re.compile(r"[A-Za-z0-9._-]{1,249}")
_ROUTES_ACCEPTED = (
    "a comma list of event_type=topic, each event type once, each topic a Kafka topic name "
    "(1-249 characters of A-Z a-z 0-9 . _ -)"
)
_PREFIX = re.compile(r"[A-Za-z0-9._-]{1,248}")
_HOST_PORT = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:,\[\]]+):(?P<port>\d{1,5})")
# An SQS queue URL: https://sqs.<region>.amazonaws.com/<account>/<name> and its regional, legacy
# and VPC-endpoint host forms, or http(s)://<host>[:port]/<account>/<name> of a local endpoint.
_QUEUE_URL = re.compile(
    r"https?://(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d{1,5}))?"
    r"/[0-9]{12}/(?P<name>[A-Za-z0-9_-]+(?:\.fifo)?)"
)
_QUEUE_NAME_MAX = 80  # characters, `.fifo` included
# A misspelt variable is a close match of a setting's name (difflib's ratio) or extends one.
_CLOSE_MATCH = 0.8

Mode = Literal["lambda", "preview"]


class AuthMethod(StrEnum):
    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"
    NONE = "NONE"
    MTLS = "MTLS"  # TLS with a client certificate from the secret, no SASL
    AWS_MSK_IAM = "AWS_MSK_IAM"  # SASL OAUTHBEARER with MSK IAM tokens of the function's role


_SASL_METHODS = frozenset(
    {AuthMethod.PLAIN, AuthMethod.SCRAM_SHA_256, AuthMethod.SCRAM_SHA_512, AuthMethod.AWS_MSK_IAM}
)


class Compression(StrEnum):
    """The record batch codecs kafka-python writes (docs/contract.md#compression)."""

    NONE = "none"
    GZIP = "gzip"
    SNAPPY = "snappy"
    LZ4 = "lz4"
    ZSTD = "zstd"


MetadataField = Literal["device_name", "ip_address"]
METADATA_FIELDS: tuple[MetadataField, ...] = ("device_name", "ip_address")


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):  # a JSON settings file may say 1 or 0
        return value == 1
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise PydanticCustomError("bool", "accepted values: true/false/1/0/yes/no (any case)")


def _comma_list(value: Any) -> Any:
    if isinstance(value, str):
        # Strip spaces around entries; empty entries (a trailing comma) are ignored.
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _routes(value: Any) -> Any:
    """`commerce_event=commerce-events,screen_view=screen-views` (or a JSON object) → a dict."""
    if isinstance(value, str):
        routes: dict[str, str] = {}
        for entry in (part.strip() for part in value.split(",")):
            if not entry:
                continue  # a trailing comma, as in the other lists
            event_type, equals, topic = (piece.strip() for piece in entry.partition("="))
            if not equals or not event_type or event_type in routes:
                raise PydanticCustomError("routes", _ROUTES_ACCEPTED)
            routes[event_type] = topic
        return routes
    return value


Flag = Annotated[bool, BeforeValidator(_parse_bool)]
Optional = str | None  # unset unless given; blank is unset (`_blanks_are_unset`)


class Settings(BaseSettings):
    """Every setting of docs/settings.md, with its documented default."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="forbid", frozen=True)

    # Kafka connection (docs/contract.md#kafka-connection)
    kafka_bootstrap_servers: Annotated[
        tuple[str, ...] | None,
        NoDecode,
        BeforeValidator(_comma_list),
    ] = None
    kafka_topic: Optional = None
    kafka_topic_routes: Annotated[dict[str, str], NoDecode, BeforeValidator(_routes)] = Field(
        default_factory=dict
    )
    kafka_routed_topic_prefix: Optional = None
    kafka_auth_method: AuthMethod = AuthMethod.PLAIN
    kafka_secret_id: Optional = None
    kafka_ca_bundle: Optional = None
    kafka_tls_strict_x509: Flag = True
    dead_letter_queue_url: Optional = None
    kafka_max_message_bytes: int = Field(default=1_000_000, ge=1024, le=100_000_000)
    secret_cache_ttl_seconds: int = Field(default=300, ge=0, le=86_400)
    kafka_compression: Compression = Compression.NONE
    kafka_trace_header: Flag = True

    # Retry backoff (docs/contract.md#backoff): at most SQS's 12-hour visibility timeout.
    retry_backoff_base_seconds: int = Field(default=30, ge=0, le=43_200)
    retry_backoff_max_seconds: int = Field(default=900, ge=0, le=43_200)

    # Connection settings (docs/contract.md#connection-settings)
    unique_id: Optional = None
    metadata_field_exclusion: Annotated[
        frozenset[MetadataField], NoDecode, BeforeValidator(_comma_list)
    ] = frozenset()
    send_network_performance_events: Flag = True
    send_as_batch: Flag = True
    include_location_information: Flag = True
    include_metadata: Flag = True
    include_user_attribute_change_events: Flag = False
    include_user_identity_change_events: Flag = False
    send_batches_without_events: Flag = True
    include_mp_deviceid: Flag = False
    include_event_batch_location: Flag = False

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _check_brokers(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value:
            raise PydanticCustomError("brokers", "at least one host:port is required")
        for entry in value:
            match = _HOST_PORT.fullmatch(entry)
            if match is None or not 1 <= int(match["port"]) <= 65535:
                raise PydanticCustomError(
                    "brokers", "each entry must be host:port with a port 1-65535"
                )
        return value

    @field_validator("kafka_topic")
    @classmethod
    def _check_topic(cls, value: str | None) -> str | None:
        if value is not None and not _is_topic(value):
            raise PydanticCustomError(
                "topic", "a Kafka topic name: 1-249 characters of A-Z a-z 0-9 . _ -"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _blanks_are_unset(cls, data: Any) -> Any:
        """An empty or blank value means unset: the setting takes its default."""
        if not isinstance(data, dict):
            return data
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}

    @field_validator("kafka_topic_routes")
    @classmethod
    def _check_routes(cls, value: dict[str, str]) -> dict[str, str]:
        if not all(_is_topic(topic) and event_type for event_type, topic in value.items()):
            raise PydanticCustomError("routes", _ROUTES_ACCEPTED)
        return value

    @field_validator("kafka_routed_topic_prefix")
    @classmethod
    def _check_prefix(cls, value: str | None) -> str | None:
        if value is not None and _PREFIX.fullmatch(value) is None:
            raise PydanticCustomError(
                "prefix", "the start of a Kafka topic name: 1-248 characters of A-Z a-z 0-9 . _ -"
            )
        return value

    @field_validator("kafka_ca_bundle")
    @classmethod
    def _check_ca_bundle(cls, value: str | None) -> str | None:
        if value is not None and not _holds_certificates(value):
            raise PydanticCustomError(
                "ca_bundle", "a path to a readable PEM file holding at least one certificate"
            )
        return value

    @field_validator("dead_letter_queue_url")
    @classmethod
    def _check_queue_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = _QUEUE_URL.fullmatch(value)
        if (
            match is None
            or len(match["name"]) > _QUEUE_NAME_MAX
            or not 1 <= int(match["port"] or 443) <= 65535
        ):
            raise PydanticCustomError(
                "queue_url",
                "an SQS queue URL: https://sqs.<region>.amazonaws.com/<12-digit account>/<queue>"
                " (or http(s)://<host>[:port]/<12-digit account>/<queue> for a local endpoint)",
            )
        return value

    @model_validator(mode="after")
    def _check_backoff(self) -> Settings:
        if self.retry_backoff_base_seconds > self.retry_backoff_max_seconds:
            raise PydanticCustomError(
                "backoff",
                "RETRY_BACKOFF_BASE_SECONDS must not exceed RETRY_BACKOFF_MAX_SECONDS",
            )
        return self

    @model_validator(mode="after")
    def _check_routes_are_granted(self) -> Settings:
        """Every routed topic but KAFKA_TOPIC starts with KAFKA_ROUTED_TOPIC_PREFIX when it is
        set, and with AWS_MSK_IAM it must be set: the template grants the role the routed
        topics by that prefix (docs/decisions/routed-topic-grants.md)."""
        others = [topic for topic in self.topics if topic != self.kafka_topic]
        prefix = self.kafka_routed_topic_prefix
        if prefix is None and others and self.kafka_auth_method is AuthMethod.AWS_MSK_IAM:
            raise PydanticCustomError(
                "routed_topics",
                "KAFKA_TOPIC_ROUTES routes to {topics} but KAFKA_ROUTED_TOPIC_PREFIX is unset: "
                "with AWS_MSK_IAM the role may write only KAFKA_TOPIC and the topics under that "
                "prefix",
                {"topics": ", ".join(others)},
            )
        outside = [topic for topic in others if prefix is not None and not topic.startswith(prefix)]
        if outside:
            raise PydanticCustomError(
                "routed_topics",
                "KAFKA_TOPIC_ROUTES routes to {topics}, outside KAFKA_ROUTED_TOPIC_PREFIX "
                '"{prefix}" (the topics the forwarder is granted besides KAFKA_TOPIC)',
                {"topics": ", ".join(outside), "prefix": prefix},
            )
        return self

    @property
    def topics(self) -> tuple[str, ...]:
        """KAFKA_TOPIC (when set), then each other topic of KAFKA_TOPIC_ROUTES once, in the
        order of the routes: every topic the forwarder may write to."""
        first = () if self.kafka_topic is None else (self.kafka_topic,)
        return tuple(dict.fromkeys((*first, *self.kafka_topic_routes.values())))

    @property
    def uses_sasl(self) -> bool:
        return self.kafka_auth_method in _SASL_METHODS

    @property
    def needs_secret(self) -> bool:
        """Whether the auth method reads credentials from KAFKA_SECRET_ID (all but NONE and
        AWS_MSK_IAM, whose credentials are the function's role)."""
        return self.kafka_auth_method not in (AuthMethod.NONE, AuthMethod.AWS_MSK_IAM)


def _holds_certificates(path: str) -> bool:
    """Whether `path` is a PEM file OpenSSL reads, holding at least one certificate."""
    if not Path(path).is_file():
        return False
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # empty: counts only the file's certificates
    try:
        context.load_verify_locations(cafile=path)
    except (OSError, ValueError):  # ssl.SSLError is an OSError
        return False
    return context.cert_store_stats()["x509"] > 0


def misspelt_variables(names: Iterable[str]) -> list[tuple[str, str]]:
    """Of the environment variable `names`, those that are no setting but look like one, each
    with the setting it likely means: a close match (`SEND_AS_BATCHES`) or a name that extends a
    setting's (`KAFKA_TOPICS`). Pure: the caller passes the names and logs the result."""
    known = sorted(name.upper() for name in Settings.model_fields)
    suspects = []
    for name in sorted(set(names)):
        upper = name.upper()
        if upper in known:
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=_CLOSE_MATCH)
        extended = [setting for setting in known if upper.startswith(setting)]
        meant = close or extended
        if meant:
            suspects.append((name, meant[0]))
    return suspects


def _is_topic(name: str) -> bool:
    return _TOPIC.fullmatch(name) is not None and name not in {".", ".."}


class _FileSettings(Settings):
    """The same model fed only by a dict (a JSON file): the environment is not read."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


# Variables each mode needs in addition to what has a default.
_REQUIRED: dict[Mode, tuple[str, ...]] = {
    "lambda": ("kafka_bootstrap_servers", "kafka_topic", "dead_letter_queue_url"),
    "preview": (),
}

_ACCEPTED: dict[str, str] = {
    "kafka_auth_method": ", ".join(m.value for m in AuthMethod),
    "metadata_field_exclusion": "a comma list of " + ", ".join(METADATA_FIELDS),
    "kafka_compression": ", ".join(c.value for c in Compression),
    "kafka_max_message_bytes": "an integer from 1024 to 100000000",
    "secret_cache_ttl_seconds": "an integer from 0 to 86400",
    "retry_backoff_base_seconds": "an integer from 0 to 43200",
    "retry_backoff_max_seconds": "an integer from 0 to 43200",
}


def load_settings(mode: Mode = "lambda", source: dict[str, Any] | None = None) -> Settings:
    """Build the settings from the environment, or from `source` (lower-case keys) when given."""
    try:
        settings = Settings() if source is None else _FileSettings.model_validate(source)
    except ValidationError as exc:
        raise SettingsError(_describe(exc, from_env=source is None)) from None
    _check_required(settings, mode, from_env=source is None)
    return settings


def load_settings_file(path: str | Path, mode: Mode = "preview") -> Settings:
    """Read settings from a JSON object file with lower-case keys (the CLI's `--config`)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"settings file {path} must hold a JSON object")
    return load_settings(mode, data)


def _name(field: str, *, from_env: bool) -> str:
    return field.upper() if from_env else field


def _check_required(settings: Settings, mode: Mode, *, from_env: bool) -> None:
    required = list(_REQUIRED[mode])
    if mode == "lambda" and settings.needs_secret:
        required.append("kafka_secret_id")
    missing = [_name(f, from_env=from_env) for f in required if getattr(settings, f) is None]
    if missing:
        raise SettingsError("missing required setting(s): " + ", ".join(missing))


def _describe(exc: ValidationError, *, from_env: bool) -> str:
    lines = []
    for error in exc.errors(include_url=False, include_input=False):
        field = str(error["loc"][0]) if error["loc"] else "settings"
        if error["type"] == "extra_forbidden":
            lines.append(f"{field}: unknown setting")
            continue
        accepted = _ACCEPTED.get(field)
        message = f"accepted values: {accepted}" if accepted else error["msg"]
        lines.append(f"{_name(field, from_env=from_env)}: {message}")
    return "invalid setting(s): " + "; ".join(lines)
