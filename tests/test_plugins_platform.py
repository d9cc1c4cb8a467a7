"""Plugin discovery reads manifests only, isolates bad ones, and names file and field."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from launcher.core.manifest import ManifestError, check_entry_code, parse_manifest
from launcher.core.paths import builtin_dir
from launcher.core.registry import (
    STATE_DUPLICATE,
    STATE_INVALID,
    STATE_READY,
    PluginRegistry,
    discover,
    import_entry,
)
from launcher.core.schema import SchemaError

GOOD = """\
id = "greeter"
version = "1.2.0"
api = 1
entry = "plugin:Greeter"
category = "tools"
permissions = ["open_url"]

[name]
zh_CN = "问候"
zh_HK = "問候"
en = "Greeter"
ug = "سالام"

[description]
zh_CN = "打个招呼"
zh_HK = "打個招呼"
en = "Says hello"
ug = "سالام بېرىدۇ"

[config.times]
type = "int"
default = 2
min = 1
max = 5
title = { zh_CN = "次数", zh_HK = "次數", en = "How many times", ug = "قانچە قېتىم" }
"""


def write(folder: Path, manifest: str, code: str = "class Greeter:\n    pass\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.toml").write_text(manifest, encoding="utf-8")
    (folder / "plugin.py").write_text(code, encoding="utf-8")
    return folder / "manifest.toml"


def test_a_good_manifest_is_read_with_its_config_schema(tmp_path: Path) -> None:
    manifest = parse_manifest(write(tmp_path / "greeter", GOOD))
    assert manifest.name("zh_CN") == "问候" and manifest.name("en") == "Greeter"
    assert manifest.config_defaults() == {"times": 2}
    assert manifest.effective_config({"times": 9})[0] == {"times": 2}
    assert "above the maximum 5" in manifest.effective_config({"times": 9})[1][0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.replace('id = "greeter"', 'id = "Greeter!"'), "field 'id'"),
        (lambda m: m.replace('version = "1.2.0"', "version = 3"), "field 'version' must be str"),
        (lambda m: m.replace("api = 1", "api = 7"), "field 'api' is 7"),
        (lambda m: m.replace('en = "Greeter"\n', ""), "field 'name.en' is missing"),
        (lambda m: m.replace('"plugin:Greeter"', '"plugin"'), "field 'entry' must look like"),
        (lambda m: m.replace('"tools"', '"games"'), "field 'category'"),
        (lambda m: m.replace('["open_url"]', '["root"]'), "field 'permissions' has unknown"),
        (lambda m: m.replace("default = 2", "default = 9"), "config.times.default"),
        (lambda m: m.replace('type = "int"', 'type = "colour"'), "field 'config.times.type'"),
        (lambda m: "colour = 1\n" + m, "unknown field 'colour'"),
        (lambda m: 'tone = "loud"\n' + m, "field 'tone' must be one of normal, alarm"),
        (lambda m: 'background = "yes"\n' + m, "field 'background' must be true or false"),
        (lambda m: m + "colour = 1\n", "unknown field 'config.times.colour'"),
        (lambda m: m + "[[[", "not valid TOML"),
    ],
)
def test_a_bad_manifest_names_the_file_and_the_field(tmp_path: Path, change, expected) -> None:
    path = write(tmp_path / "greeter", change(GOOD))
    with pytest.raises(ManifestError) as caught:
        parse_manifest(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_entry_code_is_checked_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').close()\nclass Greeter:\n    pass\n"
    check_entry_code(parse_manifest(write(tmp_path / "ok", GOOD, code)))
    assert not marker.exists()
    broken = parse_manifest(write(tmp_path / "syntax", GOOD, "class Greeter(:\n"))
    with pytest.raises(ManifestError, match=r"plugin\.py, line 1: syntax error"):
        check_entry_code(broken)
    wrong = parse_manifest(write(tmp_path / "other", GOOD, "class Other:\n    pass\n"))
    with pytest.raises(ManifestError, match="does not define"):
        check_entry_code(wrong)


def test_discovery_isolates_bad_plugins_and_refuses_duplicates(tmp_path: Path) -> None:
    builtin, user = tmp_path / "builtin", tmp_path / "user"
    write(builtin / "greeter", GOOD)
    write(user / "greeter", GOOD)
    write(user / "broken", "id = [")
    (user / "empty").mkdir()
    records = discover(builtin, user, entry_points=False)
    states = {(r.source, r.location.name): r.state for r in records}
    assert states == {
        ("builtin", "greeter"): STATE_READY,
        ("user", "greeter"): STATE_DUPLICATE,
        ("user", "broken"): STATE_INVALID,
        ("user", "empty"): STATE_INVALID,
    }
    registry = PluginRegistry(records)
    assert registry.ids() == ["greeter"]
    assert registry.get("greeter").folder == builtin / "greeter"


def test_plugins_installed_with_pip_are_found_through_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    package = site / "leling_greeter"
    write(
        package,
        GOOD,
        "from launcher.api import Plugin\nclass Greeter(Plugin):\n"
        "    def create_screen(self):\n        return None\n",
    )
    (package / "__init__.py").write_text("", encoding="utf-8")
    info = site / "leling_greeter-1.2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: leling-greeter\nVersion: 1.2.0\n")
    (info / "entry_points.txt").write_text("[leling.plugins]\ngreeter = leling_greeter\n")
    monkeypatch.syspath_prepend(str(site))

    records = discover(None, None, entry_points=True)

    found = [r for r in records if r.source == "installed"]
    assert [r.id for r in found] == ["greeter"] and found[0].state == STATE_READY
    assert "leling_greeter" not in sys.modules, "discovery must not import plugin code"
    entry = import_entry(found[0].manifest)
    assert entry.__name__ == "Greeter"


def test_every_builtin_plugin_and_theme_is_valid() -> None:
    from launcher.core.theme import load_theme

    records = discover(builtin_dir("plugins"), None, entry_points=False)
    assert {r.id for r in records} >= {"clock", "contacts", "web"}
    for record in records:
        assert record.state == STATE_READY, record.error
        check_entry_code(record.manifest)
    themes = sorted(builtin_dir("themes").glob("*.toml"))
    assert {t.stem for t in themes} >= {"warm", "high-contrast", "dark"}
    for theme in themes:
        load_theme(theme)


def test_a_theme_with_weak_contrast_is_refused(tmp_path: Path) -> None:
    from launcher.core.theme import ThemeError, load_theme

    text = (builtin_dir("themes") / "warm.toml").read_text(encoding="utf-8")
    weak = tmp_path / "weak.toml"
    weak.write_text(text.replace('muted_text = "#4A3520"', 'muted_text = "#B0A090"'))
    with pytest.raises(ThemeError, match=r"colours.muted_text on colours.background has contrast"):
        load_theme(weak)


def test_plugin_modules_can_import_their_own_siblings(tmp_path: Path) -> None:
    folder = tmp_path / "greeter"
    write(folder, GOOD, "from .words import HELLO\nclass Greeter:\n    text = HELLO\n")
    (folder / "words.py").write_text(textwrap.dedent('HELLO = "你好"\n'), encoding="utf-8")
    entry = import_entry(parse_manifest(folder / "manifest.toml"))
    assert entry.text == "你好"


def test_builtin_plugins_carry_every_language() -> None:
    import tomllib

    from launcher.core.i18n import SUPPORTED_LOCALES

    for manifest in sorted(builtin_dir("plugins").glob("*/manifest.toml")):
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        for field in ("name", "description"):
            assert set(data[field]) == set(SUPPORTED_LOCALES), f"{manifest}: {field}"


def test_a_list_setting_checks_each_line(tmp_path: Path) -> None:
    text = GOOD + (
        "\n[config.places]\n"
        'type = "list"\n'
        'default = ["Home | 1 Road"]\n'
        "max = 3\n"
        "max_length = 40\n"
        "pattern = '[^|]+[|][^|]+'\n"
        'title = { zh_CN = "地点", zh_HK = "地點", en = "Places", ug = "جايلار" }\n'
    )
    manifest = parse_manifest(write(tmp_path / "greeter", text))
    assert manifest.effective_config({})[0]["places"] == ["Home | 1 Road"]
    good = ["Home | 1 Road", "Hospital | 2 Street"]
    assert manifest.effective_config({"places": good}) == (
        {**manifest.effective_config({})[0], "places": good},
        [],
    )
    # One bad line is left out; the good ones stay.
    kept, problems = manifest.effective_config({"places": ["Home | 1 Road", "no bar here"]})
    assert kept["places"] == ["Home | 1 Road"]
    assert "places.1" in problems[0] and "not in the expected form" in problems[0]
    kept, problems = manifest.effective_config({"places": ["a | b"] * 4})
    assert kept["places"] == ["a | b"] * 3 and "more than 3 items" in problems[0]
    with pytest.raises(SchemaError, match=r"t\.places\.1: 'no bar here' is not in the"):
        manifest.check_config({"places": ["Home | 1 Road", "no bar here"]}, "t")
