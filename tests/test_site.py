"""The site layer: a machine's own defaults and locks, which profiles, the command line and
relatives cannot change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import open_test_instance, show_shell
from test_cli import leling

from launcher.core.instance import open_instance
from launcher.core.site import SiteError, load_site

SITE = """
locked = ["remote", "helper_pin"]

[settings]
text_scale = 150
helper_pin = "2468"
remote = { enabled = false, lan = false, port = 8765 }
"""


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(SITE, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[settings\n", "not valid TOML"),
        ("[colours]\nx = 1\n", "unknown section(s) colours"),
        ("[settings]\ntext_scale = 333\n", "text_scale: 333 is not one of"),
        ("locked = ['no_such_key']\n", "locked key 'no_such_key'"),
        ("locked = 'remote'\n", "'locked' must be a list"),
        ("[settings]\nlocked = ['remote']\n", "put it above [settings]"),
    ],
)
def test_a_bad_site_file_is_refused_naming_the_file_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        load_site(path)
    assert str(path) in str(caught.value) and expected in str(caught.value)
    with pytest.raises(SiteError, match="no such site file"):
        load_site(tmp_path / "missing.toml")


def test_new_profiles_start_from_the_site_and_locked_keys_always_win(
    home: Path, site_file: Path
) -> None:
    instance = open_instance(str(home), site=site_file, entry_points=False)
    assert instance.settings["text_scale"] == 150, "a new profile starts from the site"
    assert instance.settings["helper_pin"] == "2468"
    # Even a profile file edited by hand cannot undo a lock.
    instance.store.set("helper_pin", "0000", reason="by hand")
    instance.store.set("text_scale", 200, reason="the senior's choice")
    assert instance.settings["helper_pin"] == "2468"
    assert instance.settings["text_scale"] == 200, "an unlocked key is the profile's"
    assert instance.site.lock_for("remote.lan") == "remote"
    assert instance.site.lock_for("remote") == "remote"
    assert instance.site.lock_for("text_scale") is None


def test_the_command_line_refuses_locked_keys_and_shows_the_layers(
    home: Path, site_file: Path
) -> None:
    refused = leling(home, "--site", str(site_file), "config", "set", "remote.lan", "true")
    assert refused.returncode == 2
    assert "locked by the site file" in refused.stderr and str(site_file) in refused.stderr
    allowed = leling(home, "--site", str(site_file), "config", "set", "voice.rate", "120")
    assert allowed.returncode == 0, allowed.stderr
    layers = leling(home, "--site", str(site_file), "config", "show", "--layers")
    assert layers.returncode == 0, layers.stderr
    lines = dict(line.split(" = ", 1) for line in layers.stdout.splitlines())
    assert lines["remote.lan"] == f"false  (site {site_file}, locked)"
    assert lines["helper_pin"] == f'"2468"  (site {site_file}, locked)'
    assert lines["voice.rate"] == "120  (profile)"
    assert lines["voice.volume"] == "100  (default)"
    assert lines["text_scale"] == f"150  (site {site_file}, as new profiles start)"
    shown = json.loads(leling(home, "--site", str(site_file), "config", "show").stdout)
    assert shown["remote"]["lan"] is False


def test_a_broken_machine_site_file_is_reported_and_the_senior_still_starts(
    home: Path, tmp_path: Path
) -> None:
    machine = tmp_path / "xdg"
    (machine / "leling").mkdir(parents=True)
    (machine / "leling" / "site.toml").write_text("[settings\n", encoding="utf-8")
    env = {"XDG_CONFIG_DIRS": str(machine)}
    started = leling(home, "--windowed", "--exit-after-first-paint", env=env)
    assert started.returncode == 0, started.stderr
    report = leling(home, "report", env=env)
    assert "started without the site settings" in report.stdout
    given = leling(home, "--site", str(machine / "leling" / "site.toml"), "config", "show")
    assert given.returncode == 1 and "not valid TOML" in given.stderr


@pytest.mark.usefixtures("restore_excepthook")
def test_the_senior_cannot_turn_on_help_the_site_keeps_off(
    home: Path, site_file: Path, qtbot: Any
) -> None:
    instance = open_test_instance(home, site=site_file)
    window = show_shell(qtbot, instance, size=None, wait_exposed=False)
    window.let_family_help()
    assert window.remote is None
    assert window.current_title() == "Family help is turned off on this computer"
    assert instance.settings["remote"]["enabled"] is False
