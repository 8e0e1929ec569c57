"""The retry backoff's template parameters, and the outage the template's defaults survive
(docs/contract.md#backoff)."""

from __future__ import annotations

import itertools

import pytest

from core.backoff import Backoff
from tests.support.cfn import REQUIRED, Rendered, Template, parameter

pytestmark = pytest.mark.infrastructure

TWO_HOURS_S = 2 * 3600
SOURCE_RETENTION_S = 345_600  # the source queue's 4 days


def _default(template: Template, name: str) -> int:
    return int(parameter(template, name)["Default"])


def _default_backoff(template: Template) -> Backoff:
    return Backoff(
        _default(template, "RetryBackoffBaseSeconds"), _default(template, "RetryBackoffMaxSeconds")
    )


def test_backoff_settings_come_from_their_parameters(translated: Template) -> None:
    values = {"RetryBackoffBaseSeconds": "7", "RetryBackoffMaxSeconds": "70"}
    rendered = Rendered(translated, {**REQUIRED, **values})
    variables = rendered.properties("ForwarderFunction")["Environment"]["Variables"]
    assert variables["RETRY_BACKOFF_BASE_SECONDS"] == "7"
    assert variables["RETRY_BACKOFF_MAX_SECONDS"] == "70"


@pytest.mark.parametrize("name", ["RetryBackoffBaseSeconds", "RetryBackoffMaxSeconds"])
def test_backoff_parameters_stay_within_the_sqs_visibility_limit(
    translated: Template, name: str
) -> None:
    spec = parameter(translated, name)
    assert int(spec["MinValue"]) == 0
    assert int(spec["MaxValue"]) <= 43_200  # 12 hours, SQS's longest visibility timeout


def test_with_the_defaults_a_two_hour_outage_moves_nothing_to_a_dead_letter_queue(
    translated: Template,
) -> None:
    # After receive n a retried message hides for at least ceil(min(900, 30 x 2^(n-1)) / 2) s:
    # 15 + 30 + 60 + 120 + 240 = 465 s for receives 1-5, then 450 s for each of receives 6-23.
    # Receive 24 (MaxReceiveCount) comes at least 465 + 18 x 450 = 8565 s (2 h 22 min) after the
    # first failed one, so a message still failing before then is tried once more after any
    # outage of 2 hours: none reaches the dead-letter queue.
    backoff = _default_backoff(translated)
    max_receive_count = _default(translated, "MaxReceiveCount")
    assert (backoff.base_seconds, backoff.max_seconds, max_receive_count) == (30, 900, 24)
    assert backoff.shortest_horizon(max_receive_count) == 465 + 18 * 450 == 8565
    assert backoff.shortest_horizon(max_receive_count) > TWO_HOURS_S


def test_with_the_defaults_every_message_is_retried_within_15_minutes_of_a_recovery(
    translated: Template,
) -> None:
    backoff = _default_backoff(translated)
    assert max(backoff.ceiling(n) for n in range(1, 100)) == 900


def test_with_the_defaults_the_retries_end_long_before_the_source_queue_retention(
    translated: Template,
) -> None:
    # At most 30 + 60 + 120 + 240 + 480 + 19 x 900 = 18030 s of delays over 24 receives, plus at
    # most one visibility timeout (360 s at the default FunctionTimeout) per receive that crashed.
    backoff = _default_backoff(translated)
    max_receive_count = _default(translated, "MaxReceiveCount")
    visibility = 6 * _default(translated, "FunctionTimeout")
    worst = backoff.longest_horizon(max_receive_count) + max_receive_count * visibility
    assert worst == 18030 + 24 * 360
    assert worst < SOURCE_RETENTION_S


def _worst_horizon(template: Template, base: int, cap: int, receives: int, timeout: int) -> int:
    """The longest time a message may spend in the source queue from its first receive: every
    delay at its ceiling, plus one visibility timeout per receive (an invocation that crashed)."""
    visibility = int(template["Mappings"]["VisibilityTimeout"][str(timeout)]["Seconds"])
    return Backoff(base, cap).longest_horizon(receives) + receives * visibility


def _extremes(template: Template, name: str) -> list[int]:
    spec = parameter(template, name)
    if "AllowedValues" in spec:
        return [int(min(spec["AllowedValues"], key=int)), int(max(spec["AllowedValues"], key=int))]
    return [int(spec["MinValue"]), int(spec["MaxValue"])]


def test_the_retry_horizon_stays_below_the_source_queue_retention_at_every_allowed_extreme(
    translated: Template,
) -> None:
    # CloudFormation Rules have no arithmetic: the parameters' ranges are the guard. The worst
    # horizon grows with each of the four, so their largest allowed values bound every deployment.
    retention = int(
        Rendered(translated, REQUIRED).properties("SourceQueue")["MessageRetentionPeriod"]
    )
    assert retention == SOURCE_RETENTION_S
    names = [
        "RetryBackoffBaseSeconds",
        "RetryBackoffMaxSeconds",
        "MaxReceiveCount",
        "FunctionTimeout",
    ]
    for values in itertools.product(*(_extremes(translated, name) for name in names)):
        worst = _worst_horizon(translated, *values)
        assert worst < retention, dict(zip(names, values, strict=True))


def test_the_largest_allowed_values_give_the_longest_retry_horizon(translated: Template) -> None:
    worst = _worst_horizon(translated, 3600, 3600, 36, 900)
    assert worst == 36 * 3600 + 36 * 5400 == 324_000  # 3 days 18 hours: under the 4 days
    assert worst < SOURCE_RETENTION_S


def test_the_defaults_give_a_retry_horizon_below_the_source_queue_retention(
    translated: Template,
) -> None:
    worst = _worst_horizon(
        translated,
        _default(translated, "RetryBackoffBaseSeconds"),
        _default(translated, "RetryBackoffMaxSeconds"),
        _default(translated, "MaxReceiveCount"),
        _default(translated, "FunctionTimeout"),
    )
    assert worst < SOURCE_RETENTION_S
