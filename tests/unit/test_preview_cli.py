"""`forwarder preview`: golden outputs on every events/ file, and exit code 2 on bad usage."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from handlers.local.cli import main

pytestmark = pytest.mark.usefixtures("clean_environment")

ROOT = Path(__file__).resolve().parents[2]
EVENTS = sorted((ROOT / "events").glob("*.json"))
GOLDEN = Path(__file__).parent / "golden"
MODES = ["per-event", "batch"]


def preview(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(["preview", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("event_file", EVENTS, ids=lambda path: path.stem)
def test_preview_prints_the_golden_records(
    capsys: pytest.CaptureFixture[str], event_file: Path, mode: str
) -> None:
    config = GOLDEN / f"{mode}.settings.json"
    code, lines, err = preview(capsys, "--config", str(config), str(event_file))
    expected = (GOLDEN / f"{event_file.stem}.{mode}.jsonl").read_text(encoding="utf-8").splitlines()
    assert (code, err) == (0, "")
    assert len(lines) == len(expected)
    for got, want in zip(lines, expected, strict=True):
        assert got == want


def test_every_events_file_has_golden_outputs() -> None:
    assert len(EVENTS) >= 5
    for event_file in EVENTS:
        for mode in MODES:
            assert (GOLDEN / f"{event_file.stem}.{mode}.jsonl").is_file()


def test_preview_keeps_64_bit_ids_exact_in_the_printed_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, lines, _ = preview(
        capsys,
        "--config",
        str(GOLDEN / "batch.settings.json"),
        str(ROOT / "events/mixed-batch.json"),
    )
    assert '"event_id":-7362012998154020571' in lines[0]
    assert json.loads(lines[0])["value"]["mpid"] == -8205710379248813376


def test_preview_reads_settings_from_the_environment_without_config(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_TOPIC", "from-env")
    monkeypatch.setenv("SEND_AS_BATCH", "false")
    code, lines, _ = preview(capsys, str(ROOT / "events/several-records.json"))
    assert code == 0
    assert len(lines) == 5
    assert {json.loads(line)["topic"] for line in lines} == {"from-env"}


def test_preview_prints_null_topic_when_none_is_set(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "settings.json"
    config.write_text("{}", encoding="utf-8")
    _, lines, _ = preview(capsys, "--config", str(config), str(ROOT / "events/mixed-batch.json"))
    assert json.loads(lines[0])["topic"] is None


def test_preview_reports_invalid_records_and_still_exits_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, lines, _ = preview(
        capsys,
        "--config",
        str(GOLDEN / "batch.settings.json"),
        str(ROOT / "events/malformed-bodies.json"),
    )
    assert code == 0
    outcomes = [json.loads(line) for line in lines]
    assert [o["reason"] for o in outcomes if o.get("outcome") == "invalid"] == [
        "not_json", "not_json", "not_object", "events_not_list", "event_not_object",
        "event_type_not_string", "event_type_not_string",
        "mpid_not_integer", "mpid_not_integer", "mpid_not_integer",
    ]  # fmt: skip
    assert set(outcomes[0]) == {"message_id", "outcome", "reason"}
    assert "value" in outcomes[-1]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "hint"),
    [("{not json", "is not JSON"), ('{"Records": {}}', "is not an SQS event"),
     ("[]", "is not an SQS event"), ('{"Records": [{"messageId": "m"}]}', "string 'body'"),
     ('{"Records": [7]}', "is not an object")],
)  # fmt: skip
def test_input_that_is_not_an_sqs_event_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, hint: str
) -> None:
    code, lines, err = preview(
        capsys,
        "--config",
        str(GOLDEN / "batch.settings.json"),
        str(write(tmp_path / "in.json", content)),
    )
    assert (code, lines) == (2, [])
    assert hint in err


def test_missing_input_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = preview(capsys, str(tmp_path / "absent.json"))
    assert code == 2
    assert "cannot read INPUT" in err


@pytest.mark.parametrize(
    ("settings", "hint"),
    [('{"send_as_batch": "maybe"}', "send_as_batch: accepted values: true/false/1/0/yes/no"),
     ('{"metadata_field_exclusion": "mac"}', "device_name, ip_address"),
     ('{"sendasbatch": true}', "sendasbatch: unknown setting"),
     ('["kafka_topic"]', "must hold a JSON object"), ("{", "cannot read settings file")],
)  # fmt: skip
def test_bad_config_exits_2_and_says_what_to_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, settings: str, hint: str
) -> None:
    config = write(tmp_path / "settings.json", settings)
    code, lines, err = preview(
        capsys, "--config", str(config), str(ROOT / "events/mixed-batch.json")
    )
    assert (code, lines) == (2, [])
    assert hint in err


def test_bad_environment_setting_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCLUDE_METADATA", "perhaps")
    code, _, err = preview(capsys, str(ROOT / "events/mixed-batch.json"))
    assert code == 2
    assert "INCLUDE_METADATA" in err


@pytest.mark.parametrize("argv", [[], ["preview"], ["unknown-command"], ["preview", "a", "b"]])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "--help"]) == 0
    assert "INPUT" in capsys.readouterr().out


def test_installed_forwarder_script_runs_preview() -> None:
    script = shutil.which("forwarder", path=str(Path(sys.executable).parent))
    assert script is not None
    config = GOLDEN / "per-event.settings.json"
    event_file = ROOT / "events" / "several-records.json"
    completed = subprocess.run(
        [script, "preview", "--config", str(config), str(event_file)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    expected = (GOLDEN / "several-records.per-event.jsonl").read_text(encoding="utf-8")
    assert completed.stdout == expected


def test_preview_prints_a_line_for_a_message_delivered_with_no_record(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "settings.json"
    config.write_text(json.dumps({"send_batches_without_events": False}))
    code, lines, _ = preview(
        capsys, "--config", str(config), str(ROOT / "events/eventless-batch.json")
    )
    assert code == 0
    assert [json.loads(line) for line in lines] == [
        {"message_id": message_id, "outcome": "delivered", "records": 0,
         "reason": "eventless_batch", "dropped": {"eventless_batch": 1}}
        for message_id in ("a1d4c7e2-8b3f-4c60-9e15-7f2a0b6d3c11",
                           "a1d4c7e2-8b3f-4c60-9e15-7f2a0b6d3c12")
    ]  # fmt: skip


def test_preview_line_for_no_record_counts_the_events_the_settings_dropped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "settings.json"
    config.write_text(json.dumps({"send_batches_without_events": False, "send_as_batch": False}))
    body = json.dumps({"events": [{"event_type": "user_attribute_change"}] * 2})
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"Records": [{"messageId": "m-1", "body": body}]}))
    _, lines, _ = preview(capsys, "--config", str(config), str(event))
    assert [json.loads(line) for line in lines] == [
        {"message_id": "m-1", "outcome": "delivered", "records": 0, "reason": "eventless_batch",
         "dropped": {"user_attribute_change": 2, "eventless_batch": 1}}
    ]  # fmt: skip


def test_preview_shows_the_traceparent_of_a_traced_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    event = json.loads((ROOT / "events" / "mixed-batch.json").read_text(encoding="utf-8"))
    event["Records"][0].setdefault("attributes", {})["AWSTraceHeader"] = (
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    )
    traced = tmp_path / "traced.json"
    traced.write_text(json.dumps(event), encoding="utf-8")
    code, lines, _ = preview(capsys, "--config", str(GOLDEN / "batch.settings.json"), str(traced))
    records = [json.loads(line) for line in lines if '"headers"' in line]
    assert code == 0
    assert records[0]["headers"]["traceparent"] == (
        "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01"
    )


def test_preview_shows_each_records_routed_topic(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = json.loads((GOLDEN / "per-event.settings.json").read_text(encoding="utf-8"))
    config = tmp_path / "routed.settings.json"
    routes = {"kafka_topic_routes": "custom_event=custom-events", "kafka_topic": "events"}
    config.write_text(json.dumps(settings | routes), encoding="utf-8")
    code, lines, _ = preview(capsys, "--config", str(config), str(ROOT / "events/mixed-batch.json"))
    records = [json.loads(line) for line in lines if '"headers"' in line]
    assert code == 0
    assert {(r["headers"]["x-mp-event-type"] == "custom_event", r["topic"]) for r in records} == {
        (True, "custom-events"),
        (False, "events"),
    }
