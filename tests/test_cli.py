"""The ``leling`` command as a helper or a centre's admin uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO


def leling(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "launcher", "--home", str(home), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
        timeout=120,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess, code: int, *fragments: str) -> None:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_plugins_list_json_names_every_builtin(home: Path) -> None:
    result = leling(home, "plugins", "list", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    for plugin_id in ("clock", "contacts", "web"):
        assert rows[plugin_id]["state"] == "ready"
        assert rows[plugin_id]["version"] and rows[plugin_id]["name"]


def test_plugins_validate_names_the_file_and_field(home: Path, tmp_path: Path) -> None:
    good = leling(home, "plugins", "validate", str(REPO / "plugins" / "clock"))
    assert good.returncode == 0 and "is valid" in good.stdout
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.toml").write_text('id = "bad"\nversion = "1.0"\napi = "one"\n')
    result = leling(home, "plugins", "validate", str(bad))
    one_line_error(result, 2, str(bad / "manifest.toml"), "field 'api'")
    missing = leling(home, "plugins", "validate", str(tmp_path / "nowhere"))
    one_line_error(missing, 2, "no such file")


def test_config_show_get_set_undo(home: Path) -> None:
    shown = json.loads(leling(home, "config", "show").stdout)
    assert shown["text_scale"] == 100 and shown["tiles"]
    assert json.loads(leling(home, "config", "set", "text_scale", "150").stdout) == 150
    assert json.loads(leling(home, "config", "set", "theme", "dark").stdout) == "dark"
    assert json.loads(leling(home, "config", "set", "senior.name", '"王秀兰"').stdout) == "王秀兰"
    assert json.loads(leling(home, "config", "get", "tiles.0.plugin").stdout) == "clock"
    undone = leling(home, "config", "undo", "2")
    assert undone.returncode == 0, undone.stderr
    assert json.loads(leling(home, "config", "get", "text_scale").stdout) == 150
    assert json.loads(leling(home, "config", "get", "theme").stdout) == "warm"
    history = leling(home, "config", "history").stdout
    assert "undo" in history and "leling config set theme" in history


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("config", "set", "text_scale", "900"), ("text_scale", "not one of 100, 125, 150, 200")),
        (("config", "set", "colour", "red"), ("colour", "no such setting")),
        (("config", "set", "tiles.0.plugin", "nosuch"), ("tiles.0.plugin", "nosuch")),
        (("config", "set", "tiles.2.config.url", "ftp:x"), ("tiles.2.config.url",)),
        (("config", "get", "nothing.here"), ("nothing.here",)),
        (("config", "undo", "0"), ("1 or more",)),
        (("--scale", "50"), ("--scale 50",)),
        (("--locale", "fr"), ("--locale 'fr'",)),
        (("--theme", "pink"), ("--theme 'pink'",)),
        (("--profile", "../etc"), ("profile name",)),
        (("--frobnicate",), ("unrecognized arguments: --frobnicate",)),
        (("config", "validate", "/nonexistent.json"), ("/nonexistent.json", "no such file")),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_two(home: Path, args, fragments) -> None:
    leling(home, "config", "show")
    before = (home / "profiles" / "default" / "settings.json").read_bytes()
    one_line_error(leling(home, *args), 2, *fragments)
    assert (home / "profiles" / "default" / "settings.json").read_bytes() == before


def test_export_then_import_copies_a_configuration_to_another_machine(tmp_path: Path) -> None:
    centre, kiosk = tmp_path / "centre", tmp_path / "kiosk"
    leling(centre, "config", "set", "theme", "dark")
    leling(centre, "config", "set", "text_scale", "200")
    exported = tmp_path / "centre.json"
    assert leling(centre, "config", "export", str(exported)).returncode == 0
    imported = leling(kiosk, "config", "import", str(exported))
    assert imported.returncode == 0, imported.stderr
    settings = json.loads(leling(kiosk, "config", "show").stdout)
    assert settings["theme"] == "dark" and settings["text_scale"] == 200
    assert leling(kiosk, "config", "undo").returncode == 0
    assert json.loads(leling(kiosk, "config", "get", "theme").stdout) == "warm"


def test_config_validate_reports_each_problem_with_the_file(home: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    leling(home, "config", "export", str(good))
    result = leling(home, "config", "validate", str(good))
    assert result.returncode == 0 and "valid" in result.stdout
    bad = tmp_path / "bad.json"
    document = json.loads(good.read_text(encoding="utf-8"))
    document["settings"]["text_scale"] = 20
    document["settings"]["grid"]["rows"] = "many"
    bad.write_text(json.dumps(document), encoding="utf-8")
    result = leling(home, "config", "validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}: text_scale: 20 is not one of 100, 125, 150, 200" in result.stderr
    assert f"{bad}: grid.rows: expected a number" in result.stderr
    truncated = tmp_path / "truncated.json"
    truncated.write_text(good.read_text(encoding="utf-8")[:40], encoding="utf-8")
    one_line_error(leling(home, "config", "import", str(truncated)), 2, str(truncated), "JSON")
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"version": 99, "settings": {}}), encoding="utf-8")
    one_line_error(leling(home, "config", "import", str(newer)), 2, "newer Leling")


def test_no_display_is_explained_in_one_line(home: Path) -> None:
    env = {"QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    result = leling(home, "--windowed", env=env)
    one_line_error(result, 1, "no screen found")


def test_screenshot_writes_a_png_of_the_home_screen(home: Path, tmp_path: Path) -> None:
    target = tmp_path / "home.png"
    result = leling(home, "screenshot", str(target), "--size", "1024x768", "--locale", "zh_CN")
    assert result.returncode == 0, result.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    one_line_error(leling(home, "screenshot", str(target), "--tile", "40"), 2, "--tile 40")
    person = tmp_path / "person.png"
    result = leling(home, "screenshot", str(person), "--open", "contacts", "--tap", "李芳")
    assert result.returncode == 0, result.stderr
    assert person.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_home_and_profile_work_before_or_after_the_command(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    leling(first, "config", "set", "theme", "dark")
    after = subprocess.run(
        [sys.executable, "-m", "launcher", "config", "get", "theme", "--home", str(first)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(after.stdout) == "dark"
    assert json.loads(leling(second, "config", "get", "theme").stdout) == "warm"
    assert not (first / "profiles" / "other").exists()
    leling(first, "--profile", "other", "config", "show")
    assert (first / "profiles" / "other" / "settings.json").exists()


def test_report_lists_repairs_for_the_helper(home: Path) -> None:
    leling(home, "config", "show")
    (home / "profiles" / "default" / "settings.json").write_text("{ broken", encoding="utf-8")
    result = leling(home, "report")
    assert result.returncode == 0
    assert "not valid JSON" in result.stdout and "kept as settings.json.bad-" in result.stdout


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--windowed"],
        ["--home", "/tmp/x", "--windowed", "--exit-after-first-paint"],
        ["--home=/tmp/x", "--profile", "centre-1", "--locale", "ug", "--theme=dark"],
        ["--scale", "150%", "--scale", "200", "--home", "a", "--home", "b"],
        ["--home", ""],
        ["--home=-odd"],
    ],
)
def test_a_plain_start_reads_its_options_as_the_full_parser_does(argv: list[str]) -> None:
    from launcher.cli import build_parser, plain_shell_args

    quick = plain_shell_args(argv)
    assert quick is not None
    assert vars(quick) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["config", "show"],
        ["--home", "/tmp/x", "report"],
        ["--wind"],
        ["--windowed=yes"],
        ["--home"],
        ["--home", "--windowed"],
        ["--scale", "big"],
        ["--scale", "-5"],
        ["--help"],
        ["--version"],
        ["--", "--windowed"],
    ],
)
def test_anything_but_a_plain_start_goes_to_the_full_parser(argv: list[str]) -> None:
    from launcher.cli import plain_shell_args

    assert plain_shell_args(argv) is None


def test_a_bad_start_option_gets_the_full_parsers_message(home: Path) -> None:
    one_line_error(leling(home, "--scale", "big"), 2, "--scale", "'big' is not a whole number")
