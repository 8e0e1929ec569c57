"""KAFKA_COMPRESSION through the real broker (docs/contract.md#compression): each codec's record
batches are stored compressed with it, and read back intact by kafka-python and by kcat."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from core.settings import load_settings
from core.sqs_event import SqsMessage
from core.transform import BatchTransform, Transformed
from local_stack import read_topic
from local_stack.log_segments import stored_batches
from tests.support.deployment import Deployment
from tests.support.events import sqs_event
from tests.support.kcat import kcat_read

pytestmark = pytest.mark.integration

CODECS = ["gzip", "snappy", "lz4", "zstd"]
Record = tuple[bytes | None, bytes, tuple[tuple[str, bytes], ...]]


def batch(mpid: int, events: int = 40) -> str:
    """A batch of repetitive events (as real ones are), so every codec has something to do."""
    kinds = ["custom_event", "screen_view", "commerce_event"]
    return json.dumps(
        {
            "mpid": mpid,
            "batch_id": mpid * 10,
            "device_info": {"platform": "iOS", "os_version": "17.4"},
            "events": [
                {"event_type": kinds[n % 3], "data": {"event_name": f"tap-{n}", "n": n}}
                for n in range(events)
            ],
        }
    )


EVENT = sqs_event(batch(1), batch(2), batch(3))


def expected(deployment: Deployment, event: dict[str, Any]) -> list[Record]:
    """The records the forwarder makes of `event` under the deployment's settings."""
    transform = BatchTransform.from_settings(load_settings("lambda"))
    made: list[Record] = []
    for record in event["Records"]:
        result = transform.apply(SqsMessage(record["messageId"], record["body"]))
        assert isinstance(result, Transformed)
        made.extend((r.key, r.value, tuple(r.headers)) for r in result.records)
    assert len(made) == 120, deployment.topic
    return sorted(made, key=_dedup_id)


def _dedup_id(record: Record) -> bytes:
    return dict(record[2])["x-forwarder-dedup-id"]


def in_order(records: Sequence[Record]) -> list[Record]:
    return sorted(records, key=_dedup_id)


@pytest.fixture(params=CODECS)
def delivered(request: pytest.FixtureRequest, deploy: Any) -> tuple[Deployment, str]:
    codec: str = request.param
    deployment = deploy("SCRAM-SHA-512", KAFKA_COMPRESSION=codec, SEND_AS_BATCH="false")
    assert deployment.invoke(EVENT) == {"batchItemFailures": []}
    return deployment, codec


def test_record_batches_of_several_records_are_stored_compressed_with_the_codec(
    delivered: tuple[Deployment, str],
) -> None:
    deployment, codec = delivered
    stored = stored_batches(deployment.stack, deployment.topic)
    assert {batch.codec for batch in stored if batch.records > 1} == {codec}


def test_a_record_batch_is_sent_uncompressed_only_when_the_codec_would_not_shrink_it(
    delivered: tuple[Deployment, str],
) -> None:
    # kafka-python's rule: a lone 330-byte record gains nothing from snappy's or lz4's framing.
    deployment, codec = delivered
    stored = stored_batches(deployment.stack, deployment.topic)
    assert {batch.codec for batch in stored} <= {codec, "none"}
    assert all(batch.records == 1 for batch in stored if batch.codec == "none")


def test_kafka_python_reads_back_every_record_intact(delivered: tuple[Deployment, str]) -> None:
    deployment, _ = delivered
    read = [
        (r.key, r.value, tuple(r.headers))
        for r in read_topic(deployment.stack, deployment.topic, timeout_s=10)
    ]
    assert in_order(read) == expected(deployment, EVENT)


def test_kcat_reads_back_every_record_intact(delivered: tuple[Deployment, str]) -> None:
    deployment, _ = delivered
    read = [(r.key, r.value, r.headers) for r in kcat_read(deployment.stack, deployment.topic)]
    assert in_order(read) == expected(deployment, EVENT)


def test_without_compression_record_batches_are_stored_uncompressed(deploy: Any) -> None:
    deployment = deploy("SCRAM-SHA-512", SEND_AS_BATCH="false")
    assert deployment.invoke(EVENT) == {"batchItemFailures": []}
    codecs = {stored.codec for stored in stored_batches(deployment.stack, deployment.topic)}
    assert codecs == {"none"}
