"""`assay demo --example monitor`, offline, as a user runs it: the Adult candidate shipped,
profiled, watched over windows of its test split, and challenged in the ledger; every number
printed equals the stored data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import assay
import assay.workflows as wf
from assay.cli import main
from assay.datasets import load_adult


@pytest.mark.slow
def test_the_monitor_demo_tells_its_story_and_its_counts_are_the_data(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--example", "monitor"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if not line.startswith("·")]
    assert max(len(line) for line in lines) <= 80
    text = " ".join(out.split())
    assert main(["demo", "--example", "monitor", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)

    # the first run recorded the looks; the second records nothing new and reads them back
    assert "nothing new written" not in text and data["created"] is False
    with assay.open_store() as st:
        status = wf.monitor_status(data["monitor"]["name"], store=st)[0]
        history = wf.monitor_history(status.name, store=st)
        ledger = [e for e in st.decisions.ledger() if e.kind == "challenge"]
    assert data["monitor"] == status.to_dict()
    assert [item["look"] for item in data["looks"]] == history

    # the reference: the training split, every row
    assert data["reference"]["rows"] == len(load_adult("train"))
    assert f"the training split, {data['reference']['rows']:,} rows" in text

    clean, *shifted = data["looks"]
    # every window's rows reached the watch; the running accuracy is the printed counts' ratio
    watch = data["monitor"]["watches"][0]
    assert watch["n"] == sum(item["rows"] for item in data["looks"])
    assert watch["estimate"] == pytest.approx(
        sum(item["correct"] for item in data["looks"]) / watch["n"]
    )
    for item in data["looks"]:
        assert item["drift"]["rows_current"] == item["rows"] == item["look"]["rows"]
        assert f"{item['rows']:,} rows, {item['correct']:,} predicted right" in text

    # a clean window: nothing drifts, no alarm
    assert not clean["shifted"] and clean["drift"]["verdict"] == "not drifted"
    assert clean["look"]["watches"][0]["state"] != "alarm"
    assert "drift: not drifted" in text
    # shifted windows: marital status drifts, then the watch alarms, named with its method
    assert all(item["shifted"] for item in shifted)
    for item in shifted:
        drifted = {c["column"] for c in item["drift"]["columns"] if c["verdict"] == "drifted"}
        assert "marital_status" in drifted
        assert f"drifted, {len(drifted)} of " in text
    first_alarm = next(i for i, item in enumerate(data["looks"], 1) if _state(item) == "alarm")
    assert first_alarm > 1 and watch["state"] == "alarm" and watch["alarm_look"] == first_alarm
    assert "ALARM: upper bound below" in text and "empirical Bernstein" in text

    # the challenge in the ledger is the one printed, at the alarm's look
    (challenge,) = data["challenges"]
    assert [e.sequence for e in ledger] == [challenge["sequence"]] == data["monitor"]["challenges"]
    assert [e.model_dump(mode="json") for e in ledger] == data["challenges"]
    assert challenge["payload"]["look"] == first_alarm
    assert challenge["decision_id"] == data["decision"]["decision_id"]
    assert re.search(
        rf"challenge: ledger entry {challenge['sequence']} challenges decision "
        rf"{data['decision']['decision_id'][:12]}: accuracy at look {first_alarm}",
        text,
    )


def _state(item: dict[str, object]) -> str:
    watches = item["look"]["watches"]  # type: ignore[index]
    return str(watches[0]["state"])  # type: ignore[index]
