"""``python -m bench --only versus_bare`` runs end to end with one turn, so it cannot rot unseen.

No time is asserted (speed is read from the bench, not held by tests): only that the real and
the bare turn both complete on both model paths and report their numbers, the real turn's write
units among them, and that the bare turn makes exactly the calls it stands for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main
from bench.versus_bare import SCENARIOS, SIDES

TIMES = ("first_byte_ms", "first_text_ms", "done_ms", "server_cpu_ms")
BARE_CALLS = {
    "new session": {"dynamodb.PutItem": 2},
    "continued session": {"dynamodb.PutItem": 2, "dynamodb.Query": 1},
}


def test_both_turns_complete_on_both_model_paths_and_report_their_costs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "results.json"

    status = main(["--only", "versus_bare", "--turns", "1", "--output", str(output)])

    assert status == 0
    paths = json.loads(output.read_text())["versus_bare"]["paths"]
    assert list(paths) == ["local model (no pauses)", "Anthropic SDK -> loopback fake"]
    for scenarios in paths.values():
        for scenario in SCENARIOS:
            for side in SIDES:
                measured = scenarios[scenario][side]
                assert all(measured[name] > 0 for name in TIMES), (scenario, side, measured)
            real, bare = scenarios[scenario]["real"], scenarios[scenario]["bare"]
            assert real["write_units"]["table"] > 0
            assert real["aws_calls"] >= 1
            assert bare["calls"] == BARE_CALLS[scenario]
            assert bare["write_units"] == {"table": 2, "index": 0}
    printed = capsys.readouterr().out
    assert printed.count("Real turn vs bare turn") == 2
    assert "write units (table + index)" in printed
