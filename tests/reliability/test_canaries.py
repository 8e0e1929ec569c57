"""Canaries (docs/reliability.md#canaries): the handler runs at DEBUG log
level (POWERTOOLS_LOG_LEVEL=DEBUG and the root logger at DEBUG) on payloads holding a canary
e-mail, IP address and device id, with a canary password in the secret, first a wrong one (every
valid record retried), then the right one (delivered). No canary may appear in anything the
process wrote to stdout or stderr.

The test can fail: the capture must hold the handler's own lines and DEBUG lines, and the
canaries must be in what reached Kafka and the dead-letter queue (so they were in the payloads).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import pytest

from handlers.local.context import local_sqs_event
from local_stack import read_topic, set_scram_password
from tests.support.deployment import Deployment

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.integration,
    pytest.mark.usefixtures("fresh_container"),
]

SUFFIX = uuid.uuid4().hex[:8]
EMAIL = f"canary.{SUFFIX}@example.com"
IP = "203.0.113.77"  # TEST-NET-3: documentation only, never contacted
DEVICE_ID = f"c4a2b7e1-canary-{SUFFIX}"
WRONG_PASSWORD = f"wrong-canary-pw-{SUFFIX}"
RIGHT_PASSWORD = f"right-canary-pw-{SUFFIX}"
PAYLOAD_CANARIES = {"e-mail": EMAIL, "ip": IP, "device id": DEVICE_ID}
SECRET_CANARIES = {"wrong password": WRONG_PASSWORD, "right password": RIGHT_PASSWORD}

# The `forwarder` command, with the root logger at DEBUG on stderr first, and one DEBUG line
# from each of the handler's logger and the root logger (proof that DEBUG applied).
RUNNER = """
import logging, sys
logging.basicConfig(level=logging.DEBUG)
from handlers.local.context import apply_local_defaults
apply_local_defaults()
from handlers.local.cli import main
from handlers.observability import logger
logger.debug("debug probe: handler logger")
logging.getLogger("canary.probe").debug("debug probe: root logger")
sys.exit(main(sys.argv[1:]))
"""


def canary_batch(mpid: int, **extra: Any) -> dict[str, Any]:
    return {
        "mpid": mpid,
        "batch_id": mpid + 1,
        "ip": IP,
        "mp_deviceid": DEVICE_ID,
        "device_info": {"platform": "Android", "android_uuid": DEVICE_ID, "device": "Pixel"},
        "user_identities": [{"identity_type": "email", "identity": EMAIL}],
        "user_attributes": {"$email": EMAIL},
        "events": [
            {
                "event_type": "custom_event",
                "data": {
                    "event_name": "signup",
                    "custom_attributes": {"email": EMAIL, "ip": IP, "device": DEVICE_ID},
                },
            }
        ],
    } | extra


VALID_BODIES = [json.dumps(canary_batch(7)), json.dumps(canary_batch(8, context={"ip": IP}))]
INVALID_BODIES = [
    json.dumps(canary_batch(9) | {"mpid": EMAIL}),  # mpid_not_integer
    json.dumps(canary_batch(10) | {"events": {"email": EMAIL}}),  # events_not_list
    f'{{"user_identities": [{{"identity": "{EMAIL}"}}], "ip": "{IP}", "device": "{DEVICE_ID}"',
    f'{{"mpid": 1, "ip": "{IP}", "score": NaN, "email": "{EMAIL}", "device": "{DEVICE_ID}"}}',
]


def run_forwarder(deployment: Deployment, event_file: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | deployment.env | {"POWERTOOLS_LOG_LEVEL": "DEBUG"}
    return subprocess.run(
        [sys.executable, "-c", RUNNER, "invoke", str(event_file), "--timeout", "15"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def forms(value: str) -> set[str]:
    """A canary as it could appear in a log: raw, URL-encoded (botocore request bodies), JSON
    string-escaped."""
    return {
        value,
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
        json.dumps(value)[1:-1],
    }


def hits(output: str, canaries: dict[str, str]) -> dict[str, int]:
    found = {}
    for name, value in canaries.items():
        count = sum(output.count(form) for form in forms(value))
        if count:
            found[name] = count
    return found


def set_secret(deployment: Deployment, username: str, password: str) -> None:
    deployment.secrets.put_secret_value(
        SecretId=deployment.secret_id,
        SecretString=json.dumps({"username": username, "password": password}),
    )


def test_no_canary_reaches_the_debug_logs_of_a_wrong_then_right_password_run(
    deploy: Any,
    tmp_path: Path,
) -> None:
    deployment: Deployment = deploy("SCRAM-SHA-512")
    # A SCRAM user of this test alone, whose password is a canary (the shared users stay as
    # they are for the other tests).
    username = f"canary-user-{SUFFIX}"
    set_scram_password(deployment.stack, "SCRAM-SHA-512", username, RIGHT_PASSWORD)
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(local_sqs_event(VALID_BODIES + INVALID_BODIES, "canary")))
    valid_ids = [f"canary-{i}" for i in range(len(VALID_BODIES))]

    set_secret(deployment, username, WRONG_PASSWORD)
    wrong = run_forwarder(deployment, event_file)
    set_secret(deployment, username, RIGHT_PASSWORD)
    right = run_forwarder(deployment, event_file)

    # The runs did what they should: the wrong password retried every valid record, the right
    # one delivered them; the invalid ones were dead-lettered both times.
    assert wrong.returncode == 0, wrong.stderr[-3000:]
    assert right.returncode == 0, right.stderr[-3000:]
    wrong_failures = json.loads(wrong.stdout.splitlines()[-1])["batchItemFailures"]
    assert [f["itemIdentifier"] for f in wrong_failures] == valid_ids
    assert json.loads(right.stdout.splitlines()[-1]) == {"batchItemFailures": []}

    output = "\n".join([wrong.stdout, wrong.stderr, right.stdout, right.stderr])
    # The capture is real: the handler's own lines, at DEBUG, from both runs.
    assert output.count('"message":"invocation done"') == 2, output[-3000:]
    assert '"message":"message left for retry"' in output
    assert '"message":"message dead-lettered"' in output
    assert output.count("debug probe: handler logger") == 2, "the handler logger is not at DEBUG"
    assert output.count("DEBUG:canary.probe:debug probe: root logger") == 2, "root not at DEBUG"

    assert hits(output, PAYLOAD_CANARIES | SECRET_CANARIES) == {}

    # Positive controls: the canaries really were in the payloads.
    values = "\n".join(
        r.value.decode() for r in read_topic(deployment.stack, deployment.topic, timeout_s=10)
    )
    assert set(hits(values, PAYLOAD_CANARIES)) == set(PAYLOAD_CANARIES)
    letters = "\n".join(m["Body"] for m in deployment.invalid_messages())
    assert set(hits(letters, PAYLOAD_CANARIES)) == set(PAYLOAD_CANARIES)
