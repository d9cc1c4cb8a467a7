"""What starts Leling as a machine's session: the systemd units, the autostart entry."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

PACKAGING = REPO / "packaging"


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_the_session_unit_restarts_leling_whatever_happens() -> None:
    service = unit(PACKAGING / "systemd" / "leling.service")
    assert service["Service"]["Restart"] == "always"
    assert service["Service"]["ExecStart"].split()[-1] == "leling"
    assert service["Install"]["WantedBy"] == "graphical-session.target"


def test_the_fleet_pull_runs_on_a_timer() -> None:
    service = unit(PACKAGING / "systemd" / "leling-fleet.service")
    assert service["Service"]["ExecStart"].endswith("leling fleet pull")
    timer = unit(PACKAGING / "systemd" / "leling-fleet.timer")
    assert timer["Timer"]["OnUnitActiveSec"] and timer["Install"]["WantedBy"] == "timers.target"


@pytest.mark.parametrize("name", ["leling.service", "leling-fleet.service", "leling-fleet.timer"])
def test_systemd_accepts_the_units(name: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    copy = tmp_path / name
    copy.write_text((PACKAGING / "systemd" / name).read_text(encoding="utf-8"), encoding="utf-8")
    if name.endswith(".timer"):
        service = "leling-fleet.service"
        (tmp_path / service).write_text(
            (PACKAGING / "systemd" / service).read_text(encoding="utf-8"), encoding="utf-8"
        )
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(copy)], capture_output=True, text=True, check=False
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        # Outside a booted systemd (a container) it cannot look up the targets themselves.
        if line.strip() and "graphical-session.target" not in line and "System has not" not in line
    ]
    assert not [line for line in problems if name in line], problems


def test_the_autostart_entry_starts_leling() -> None:
    entry = unit(PACKAGING / "xdg" / "leling.desktop")["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Exec"] == "leling"
    assert entry["Name[zh_CN]"] == "乐龄"
