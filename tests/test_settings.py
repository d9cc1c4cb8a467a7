"""Settings survive anything: bad writes, corrupt files, newer versions, old versions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from launcher.core.errors import LelingError
from launcher.core.instance import open_instance
from launcher.core.migrations import SETTINGS_VERSION
from launcher.core.schema import SchemaError
from launcher.core.settings import KEEP_REVISIONS, SettingsStore


def profile(home: Path) -> Path:
    return home / "profiles" / "default"


def test_first_run_in_an_empty_home_creates_the_demo_profile(home: Path) -> None:
    instance = open_instance(str(home), entry_points=False)
    plugins = [tile["plugin"] for tile in instance.settings["tiles"]]
    assert plugins == [
        "clock",
        "contacts",
        "videocall",
        "photos",
        "sos",
        "taxi",
        "booking",
        "medicine",
        "weather",
        "music",
        "mycard",
        "web",
    ]
    assert instance.settings["contacts"], "the demo profile has family contacts"
    saved = json.loads((profile(home) / "settings.json").read_text(encoding="utf-8"))
    assert saved["version"] == SETTINGS_VERSION


def test_a_bad_value_is_refused_and_the_file_is_untouched(home: Path) -> None:
    instance = open_instance(str(home), entry_points=False)
    path = profile(home) / "settings.json"
    before = path.read_bytes()
    with pytest.raises(SchemaError, match=r"text_scale: 900 is not one of 100, 125, 150, 200"):
        instance.store.set("text_scale", 900)
    with pytest.raises(SchemaError, match=r"grid\.columns: expected a number"):
        instance.store.set("grid.columns", "three")
    with pytest.raises(SchemaError, match=r"colour: no such setting"):
        instance.store.set("colour", "red")
    assert path.read_bytes() == before


def test_writes_are_atomic_and_leave_no_temporary_files(home: Path) -> None:
    instance = open_instance(str(home), entry_points=False)
    for scale in (125, 150, 200):
        instance.store.set("text_scale", scale)
    leftovers = [p.name for p in profile(home).iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert SettingsStore(profile(home)).load().settings["text_scale"] == 200


def test_only_the_last_fifty_revisions_are_kept_and_undo_walks_back(home: Path) -> None:
    instance = open_instance(str(home), entry_points=False)
    for step in range(60):
        instance.store.set("senior.name", f"name {step}")
    revisions = instance.store.revisions()
    assert len(revisions) == KEEP_REVISIONS
    instance.store.undo(3)
    assert instance.store.settings["senior"]["name"] == "name 56"
    # The undo is itself a change, so undoing it restores the value.
    instance.store.undo()
    assert instance.store.settings["senior"]["name"] == "name 59"


def test_undo_further_than_history_says_how_far_it_can_go(home: Path) -> None:
    instance = open_instance(str(home), entry_points=False)
    instance.store.set("text_scale", 150)
    with pytest.raises(LelingError, match="only 1 earlier change"):
        instance.store.undo(5)


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda text: text[: len(text) // 2], "not valid JSON"),
        (lambda text: "\x00\xff garbage", "not valid JSON"),
        (lambda text: text.replace(f'"version": {SETTINGS_VERSION}', '"version": 99'), "newer"),
        (lambda text: '{"version": 2}', "'settings' is missing"),
    ],
    ids=["truncated", "garbage", "newer-version", "no-settings"],
)
def test_a_damaged_file_boots_on_the_last_good_revision(home: Path, damage, why) -> None:
    instance = open_instance(str(home), entry_points=False)
    instance.store.set("text_scale", 125)
    path = profile(home) / "settings.json"
    damaged = damage(path.read_text(encoding="utf-8"))
    path.write_text(damaged, encoding="utf-8")

    again = open_instance(str(home), entry_points=False)

    assert again.settings["text_scale"] == 125
    kept = [p for p in profile(home).iterdir() if p.name.startswith("settings.json.bad-")]
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == damaged
    problems = [p.message for p in again.report.problems()]
    assert any(why in message and "kept as" in message for message in problems), problems
    assert json.loads(path.read_text(encoding="utf-8"))["settings"]["text_scale"] == 125


def test_a_bad_value_inside_a_good_file_falls_back_to_its_default(home: Path) -> None:
    open_instance(str(home), entry_points=False)
    path = profile(home) / "settings.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["settings"]["text_scale"] = "huge"
    path.write_text(json.dumps(document), encoding="utf-8")

    instance = open_instance(str(home), entry_points=False)

    assert instance.settings["text_scale"] == 100
    assert instance.settings["tiles"], "the rest of the file is kept"
    assert any("text_scale: expected a number" in m for m in instance.startup_problems)


def test_a_version_one_file_is_carried_forward(home: Path) -> None:
    folder = profile(home)
    folder.mkdir(parents=True)
    old = {
        "version": 1,
        "settings": {
            "language": "zh_CN",
            "font_scale": 1.5,
            "theme": "dark",
            "tiles": ["clock", "contacts"],
        },
    }
    (folder / "settings.json").write_text(json.dumps(old), encoding="utf-8")

    instance = open_instance(str(home), entry_points=False)

    assert instance.settings["locale"] == "zh_CN"
    assert instance.settings["text_scale"] == 150
    assert [t["plugin"] for t in instance.settings["tiles"]] == ["clock", "contacts"]
    assert instance.translator.locale == "zh_CN"
    saved = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    assert saved["version"] == SETTINGS_VERSION and "language" not in saved["settings"]
    assert any("settings version 1" in m for m in instance.startup_problems)


def test_a_missing_file_with_revisions_is_restored(home: Path) -> None:
    instance = open_instance(str(home), entry_points=False)
    instance.store.set("theme", "dark")
    os.remove(profile(home) / "settings.json")
    again = open_instance(str(home), entry_points=False)
    assert again.settings["theme"] == "dark"
