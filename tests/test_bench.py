"""The start-up benchmark runs as documented and measures what it says (one quick run;
the numbers themselves are never asserted: this machine is shared and noisy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_the_startup_benchmark_measures_three_programs_to_their_first_frame(
    tmp_path: Path,
) -> None:
    output = tmp_path / "startup.json"
    env = {key: value for key, value in os.environ.items() if key != "LELING_HOME"}
    result = subprocess.run(
        [sys.executable, "bench/startup.py", "--runs", "1", "--warmup", "0", "--output", output],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(output.read_text())
    for name in ("baseline", "reference", "leling"):
        measured = report["results"][name]
        # The first whole frame comes after the start and before the exit.
        assert 0 < measured["median_first_frame_ms"] < measured["median_exit_ms"]
        assert measured["median_peak_rss_mb"] > 20
    assert set(report["ratio_to_baseline"]) == {"reference", "leling"}
    assert "| Leling home screen, 9 tiles |" in result.stdout
    assert "reference home in bare PySide6" in result.stdout
