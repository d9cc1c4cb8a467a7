"""``leling inspect``: what a screen shows, as a helper or a test reads it."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from test_cli import leling, one_line_error

from launcher.cli import main
from launcher.core.instance import Overrides, open_instance
from launcher.ui.app import ScreenChoice, offscreen_shell

pytestmark = pytest.mark.usefixtures("restore_excepthook")


@pytest.fixture
def inspect_json(home: Path, qapp: Any, capsys: pytest.CaptureFixture[str]) -> Any:
    """``leling --home HOME inspect --json ARGS…`` run in this process, parsed."""

    def run(*args: str) -> dict[str, Any]:
        code = main(["--home", str(home), "inspect", "--json", *args])
        out, err = capsys.readouterr()
        assert code == 0, err
        document: dict[str, Any] = json.loads(out)
        return document

    return run


def in_browser(home: Path) -> None:
    """Make the profile's web tiles open in the browser (not inside Leling)."""
    instance = open_instance(str(home), entry_points=False)
    tiles = [
        {**tile, "config": {**tile.get("config", {}), "in_browser": True}}
        if tile["plugin"] == "web"
        else tile
        for tile in instance.settings["tiles"]
    ]
    instance.store.save({**instance.settings, "tiles": tiles}, "web tiles in the browser")


def walk(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for element in elements:
        found.append(element)
        found.extend(walk(element["children"]))
    return found


def inside(rect: list[int], size: list[int]) -> bool:
    x, y, w, h = rect
    return x >= 0 and y >= 0 and x + w <= size[0] and y + h <= size[1] and w > 0 and h > 0


def tile_titles(home: Path, locale: str) -> list[str]:
    instance = open_instance(str(home), entry_points=False)
    titles = []
    for tile in instance.settings["tiles"]:
        label = tile.get("label")
        if label:
            titles.append(label[locale] if isinstance(label, dict) else label)
        else:
            manifest = instance.registry.get(tile["plugin"])
            assert manifest is not None
            titles.append(manifest.name(locale))
    return titles


def test_home_lists_the_bar_buttons_and_the_profiles_tiles(inspect_json, home: Path) -> None:
    document = inspect_json("--locale", "en", "--size", "1280x800")
    # The demo profile's tiles fill two pages.
    assert document["screen"] == "home page 1"
    assert (document["locale"], document["theme"], document["scale"]) == ("en", "warm", 100)
    assert document["size"] == [1280, 800]
    elements = walk(document["elements"])

    bar = {e["id"]: e for e in elements if e["id"] in ("homeButton", "backButton", "helpButton")}
    assert [bar[i]["name"] for i in ("homeButton", "backButton", "helpButton")] == [
        "Home",
        "Back",
        "Help me",
    ], "spoken names carry the words, not the arrow and house symbols"
    for button in bar.values():
        assert button["role"] == "button" and button["interactive"] is True
        assert inside(button["rect"], document["size"]), button
        assert button["plugin"] is None
        assert button["font_px"] >= 22 and button["fg"] and button["bg"]

    tiles = [e for e in elements if e["role"] == "tile"]
    assert [t["name"] for t in tiles] == tile_titles(home, "en")[:9], "the first page's nine"
    for tile in tiles:
        assert tile["interactive"] is True and tile["plugin"] is None
        assert tile["spoken"] == tile["name"]
        assert inside(tile["rect"], document["size"])
        # The words on the tile are a label inside it, in the tile's colours.
        label = next(c for c in tile["children"] if c["role"] == "label")
        assert label["text"] == tile["name"] and label["bg"] == tile["bg"]


def test_an_opened_plugin_marks_what_it_drew(inspect_json) -> None:
    document = inspect_json("--open", "clock", "--locale", "zh_CN")
    assert document["screen"] == "plugin:clock"
    elements = walk(document["elements"])
    drawn = [e for e in elements if e["plugin"] == "clock" and e["role"] != "region"]
    assert {e["id"] for e in drawn} >= {"clockTime", "clockDate", "clockLunar"}
    time_face = next(e for e in drawn if e["id"] == "clockTime")
    assert time_face["role"] == "image" and ":" in time_face["text"]
    # The title above the plugin's screen and the bar are the shell's.
    title = next(e for e in elements if e["id"] == "screenTitle")
    assert title["role"] == "heading" and title["plugin"] is None and title["name"] == "时钟"
    assert next(e for e in elements if e["id"] == "helpButton")["plugin"] is None


def test_a_later_home_page_and_its_pager(inspect_json, home: Path) -> None:
    instance = open_instance(str(home), entry_points=False)
    tiles = [{"plugin": "clock", "label": f"Clock {n}"} for n in range(1, 11)]
    instance.store.save({**instance.settings, "tiles": tiles}, "ten tiles")
    document = inspect_json("--page", "2", "--locale", "en")
    assert document["screen"] == "home page 2"
    elements = walk(document["elements"])
    assert [e["name"] for e in elements if e["role"] == "tile"] == ["Clock 10"]
    pager = {e["id"]: e for e in elements if e["id"] in ("previousPage", "nextPage")}
    assert pager["previousPage"]["interactive"] is True
    assert pager["nextPage"]["interactive"] is False  # the last page: nothing further


def test_the_tree_as_text_follows_a_tap_into_one_contact(
    home: Path, qapp: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--home", str(home), "inspect", "--locale", "en", "--open", "contacts", "--tap", "李芳"]
    )
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("screen plugin:contacts  locale en  theme warm  scale 100%")
    call = next(line for line in lines if '"Call"' in line)
    assert call.startswith("      button") and "interactive" in call and "plugin contacts" in call
    assert any('"139 0013 9000"' in line for line in lines)
    assert not any('"王小明"' in line for line in lines), "the other cards are hidden now"


def test_taps_go_through_on_the_screen_they_open(
    home: Path, qapp: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Tapping a tile opens its screen at once; the next tap lands on that new screen,
    # however soon after the screen change it comes.
    code = main(
        ["--home", str(home), "inspect", "--locale", "en", "--tap", "Family", "--tap", "李芳"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0].startswith("screen plugin:contacts")
    assert any('"Call"' in line for line in out.splitlines())


def test_the_tree_says_what_a_screen_reader_is_told(
    inspect_json, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = inspect_json("--open", "contacts", "--locale", "zh_CN")
    cards = [e for e in walk(document["elements"]) if e["role"] == "card"]
    assert len(cards) == 3
    for card in cards:
        assert card["accessible_name"] == card["spoken"] and "电话" in card["spoken"]
        assert card["description"] == "点一下，用大字看号码，还可以打电话。"
    title = next(e for e in walk(document["elements"]) if e["id"] == "screenTitle")
    assert title["accessible_name"] == title["name"] == "家人电话"

    in_browser(home)
    assert main(["--home", str(home), "inspect", "--locale", "en", "--open", "web"]) == 0
    lines = capsys.readouterr().out.splitlines()
    again = next(line for line in lines if 'button "Open again"' in line)
    assert 'described "Opens News in the web browser again."' in again


def test_links_are_noted_never_opened(
    home: Path, qapp: Any, qtbot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    in_browser(home)
    instance = open_instance(str(home), overrides=Overrides(locale="en"), entry_points=False)
    with caplog.at_level(logging.INFO, logger="leling.ui"):
        with offscreen_shell(instance, ScreenChoice(plugin="web"), width=1024, height=768):
            qtbot.waitUntil(lambda: "not opening https://" in caplog.text)
    assert "offscreen: not opening https://www.bbc.com/news" in caplog.text


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ("inspect", "--open", "nosuch"),
            (
                "--open nosuch",
                "'nosuch'",
                "clock, contacts, videocall, photos, sos, taxi, booking, medicine, weather, music",
            ),
        ),
        (("inspect", "--page", "3"), ("--page 3", "2 page(s)", "choose 1 to 2")),
        (("screenshot", "out.png", "--page", "0"), ("--page 0", "2 page(s)")),
        (("inspect", "--tap", "nobody"), ("--tap 'nobody'", "'Help me'")),
        (("inspect", "--open", "clock", "--tile", "1"), ("--tile", "--open")),
    ],
)
def test_a_screen_that_cannot_be_shown_is_one_line_and_exit_two(
    home: Path, tmp_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    args = tuple(str(tmp_path / a) if a.endswith(".png") else a for a in args)
    result = leling(home, *args, "--locale", "en")
    one_line_error(result, 2, *fragments)
    assert not (tmp_path / "out.png").exists()
    assert result.stdout == ""


def test_inspect_help_lists_the_screen_options(home: Path) -> None:
    result = leling(home, "inspect", "--help")
    for option in ("--open PLUGIN_ID", "--page N", "--tile N", "--help-screen", "--audit"):
        assert option in result.stdout
