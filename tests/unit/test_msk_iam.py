"""KAFKA_AUTH_METHOD=AWS_MSK_IAM (docs/providers.md): SASL OAUTHBEARER with tokens from AWS's
signer, reused until shortly before they expire; no secret; the function's region."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from adapters.kafka_producer import Timeouts, producer_config
from adapters.msk_iam import MskIamTokens, signer_token
from core.errors import SettingsError
from core.settings import load_settings
from handlers.container import msk_iam_tokens, secret_source

LAMBDA = {
    "kafka_bootstrap_servers": "b-1.msk.example:9098",
    "kafka_topic": "events",
    "dead_letter_queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
    "kafka_auth_method": "AWS_MSK_IAM",
}
LIFE_S = 900


class Signer:
    """Tokens numbered in order, each valid `life_s` from the clock's time."""

    def __init__(self, clock: list[float], life_s: float = LIFE_S) -> None:
        self.clock = clock
        self.life_s = life_s
        self.made = 0

    def __call__(self, region: str) -> tuple[str, int]:
        self.made += 1
        return f"{region}-token-{self.made}", int((self.clock[0] + self.life_s) * 1000)


def tokens_at(start: float = 1_000.0) -> tuple[MskIamTokens, Signer, list[float]]:
    clock = [start]
    signer = Signer(clock)
    return MskIamTokens("eu-west-1", signer, clock=lambda: clock[0]), signer, clock


def test_msk_iam_needs_no_secret() -> None:
    settings = load_settings("lambda", LAMBDA)
    assert not settings.needs_secret
    assert secret_source(settings) is None


def test_the_producer_logs_in_with_oauthbearer_over_tls_using_the_token_provider() -> None:
    tokens = MskIamTokens("eu-west-1")
    config = producer_config(
        load_settings("lambda", LAMBDA), None, Timeouts.within(30_000), token_provider=tokens
    )
    assert (config["security_protocol"], config["sasl_mechanism"]) == ("SASL_SSL", "OAUTHBEARER")
    assert config["sasl_oauth_token_provider"] is tokens


def test_msk_iam_without_a_token_provider_makes_no_producer_config() -> None:
    with pytest.raises(ValueError, match=r"^AWS_MSK_IAM needs a token provider$"):
        producer_config(load_settings("lambda", LAMBDA), None, Timeouts.within(30_000))


def test_a_token_is_reused_while_most_of_its_life_is_left() -> None:
    tokens, signer, clock = tokens_at()
    first = tokens.token()
    clock[0] += LIFE_S * 0.79
    assert (tokens.token(), signer.made) == (first, 1)


def test_a_token_is_kept_until_four_fifths_of_its_life_have_passed() -> None:
    tokens, signer, clock = tokens_at()
    first = tokens.token()
    clock[0] += LIFE_S * 0.8 - 0.5
    assert (tokens.token(), signer.made) == (first, 1)
    clock[0] += 0.5
    assert (tokens.token(), signer.made) == ("eu-west-1-token-2", 2)


def test_a_token_is_replaced_before_it_expires() -> None:
    tokens, signer, clock = tokens_at()
    tokens.token()
    clock[0] += LIFE_S - 180  # 3 minutes before its expiry
    assert (tokens.token(), signer.made) == ("eu-west-1-token-2", 2)


def test_a_short_lived_token_is_replaced_at_least_a_minute_before_it_expires() -> None:
    clock = [0.0]
    signer = Signer(clock, life_s=100)
    tokens = MskIamTokens("eu-west-1", signer, clock=lambda: clock[0])
    tokens.token()
    clock[0] = 40.0  # 60 s before its expiry
    tokens.token()
    assert signer.made == 2


def test_the_signer_makes_a_presigned_connect_url_for_the_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-example")
    token, expiry_ms = signer_token("eu-west-1")
    url = urlparse(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
    query: dict[str, Any] = parse_qs(url.query)
    assert url.netloc == "kafka.eu-west-1.amazonaws.com"
    assert query["Action"] == ["kafka-cluster:Connect"]
    assert query["X-Amz-Expires"] == ["900"]
    assert query["X-Amz-Credential"][0].startswith("AKIDEXAMPLE/")
    assert expiry_ms > 0


def test_msk_iam_without_a_region_fails_the_cold_start_naming_aws_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(SettingsError, match="AWS_REGION"):
        msk_iam_tokens(load_settings("lambda", LAMBDA))
