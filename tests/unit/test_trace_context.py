"""X-Ray trace headers as W3C `traceparent` headers (docs/contract.md#trace-context)."""

from __future__ import annotations

import pytest

from core.kafka_records import TRACEPARENT
from core.sqs_event import SqsMessage, parse_sqs_event
from core.trace_context import traceparent
from core.transform import BatchTransform, Transformed
from handlers.local.context import local_sqs_event
from tests.support.transforming import MESSAGE_ID, make_settings

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
XRAY = f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1"
W3C = b"00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01"


def test_an_xray_header_becomes_the_same_trace_as_a_w3c_traceparent() -> None:
    assert traceparent(XRAY) == W3C


def test_an_unsampled_trace_has_the_sampled_flag_off() -> None:
    assert traceparent(f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=0") == W3C[:-2] + b"00"


def test_a_deferred_sampling_decision_has_the_sampled_flag_off() -> None:
    assert traceparent(f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=?") == W3C[:-2] + b"00"


def test_the_fields_may_come_in_any_order_with_other_fields_and_spaces() -> None:
    header = f"Sampled=1; Lineage=a87bd80c:1|68fd508a:5 ;Parent=53995c3f42cd8ad8; Root={ROOT}"
    assert traceparent(header) == W3C


def test_upper_case_hex_digits_are_written_in_lower_case() -> None:
    assert traceparent(f"Root={ROOT.upper()};Parent=53995C3F42CD8AD8;Sampled=1") == W3C


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        f"Root={ROOT};Sampled=1",  # no parent: no span to continue from
        "Parent=53995c3f42cd8ad8;Sampled=1",
        "Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",  # unknown version
        "Root=1-5759e98-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",  # short epoch
        f"Root={ROOT};Parent=53995c3f42cd8ad",  # short parent
        f"Root={ROOT};Parent=53995c3f42cd8adz",
        "Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8",
        f"Root={ROOT};Parent=0000000000000000",
        "not a trace header at all",
    ],
)
def test_a_header_without_a_valid_root_and_parent_gives_no_traceparent(
    header: str | None,
) -> None:
    assert traceparent(header) is None


def test_a_message_takes_its_own_aws_trace_header() -> None:
    event = local_sqs_event(["{}"])
    event["Records"][0]["attributes"]["AWSTraceHeader"] = XRAY
    [message] = parse_sqs_event(event, "Root=1-00000001-000000000000000000000001").messages
    assert message.trace_header == XRAY


def test_a_message_without_one_takes_the_invocations_trace_header() -> None:
    [message] = parse_sqs_event(local_sqs_event(["{}"]), XRAY).messages
    assert message.trace_header == XRAY


def test_without_any_trace_header_a_message_has_none() -> None:
    [message] = parse_sqs_event(local_sqs_event(["{}"])).messages
    assert message.trace_header is None


def _records(trace_header: str | None, **settings: object) -> list[dict[str, bytes]]:
    batch = (
        '{"mpid": 1, "batch_id": 2, "events": [{"event_type": "custom_event", "data": {}}, '
        '{"event_type": "screen_view", "data": {}}]}'
    )
    result = BatchTransform.from_settings(make_settings(**settings)).apply(
        SqsMessage(MESSAGE_ID, batch, trace_header)
    )
    assert isinstance(result, Transformed)
    return [dict(record.headers) for record in result.records]


def test_every_record_of_a_traced_message_carries_its_traceparent_last() -> None:
    for headers in _records(XRAY, send_as_batch=False):
        assert list(headers)[-1] == TRACEPARENT
        assert headers[TRACEPARENT] == W3C


def test_a_batch_record_carries_the_traceparent_too() -> None:
    [headers] = _records(XRAY)
    assert headers[TRACEPARENT] == W3C


def test_the_setting_off_leaves_the_traceparent_out() -> None:
    assert all(TRACEPARENT not in h for h in _records(XRAY, kafka_trace_header=False))


def test_an_untraced_message_has_no_traceparent() -> None:
    assert all(TRACEPARENT not in h for h in _records(None, send_as_batch=False))


def test_the_trace_header_setting_is_on_by_default() -> None:
    assert make_settings().kafka_trace_header is True
