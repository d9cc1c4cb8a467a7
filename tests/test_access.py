"""Leling without a mouse: the keyboard reaches everything and reads it aloud, one switch
does everything by scanning, and screen readers get a name and a description."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Said, start_shell
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible, QColor
from PySide6.QtWidgets import QWidget

from launcher.core.theme import contrast_ratio
from launcher.ui.kit import KitButton
from launcher.ui.shell import PluginFrame, ShellWindow

NINE_TILES = [{"plugin": plugin} for plugin in ("clock", "contacts", "web") * 3]

pytestmark = pytest.mark.usefixtures("restore_excepthook")


@pytest.fixture
def shell(home: Path, qtbot: Any) -> Callable[..., tuple[ShellWindow, Said]]:
    """Starts a shell (nine tiles unless given ``tiles``) with other ``settings``; what it
    says is recorded instead of spoken."""

    def start(
        locale: str = "en", tiles: list[dict[str, Any]] | None = None, **settings: Any
    ) -> tuple[ShellWindow, Said]:
        said = Said()
        window = start_shell(
            home,
            qtbot,
            {"tiles": NINE_TILES if tiles is None else tiles, **settings},
            locale=locale,
            said=said,
        )
        return window, said

    return start


def tile(window: ShellWindow, index: int) -> KitButton:
    return window.home.tile_buttons[index]


def press(qtbot: Any, window: ShellWindow, key: Qt.Key, modifier: Any = None) -> None:
    target = window.focusWidget() or window
    if modifier is None:
        qtbot.keyClick(target, key)
    else:
        qtbot.keyClick(target, key, modifier)


# -- keyboard ---------------------------------------------------------------------------------


def test_arrows_move_across_the_tile_grid_as_it_looks_and_read_each_tile(qtbot, shell) -> None:
    window, said = shell()
    tile(window, 0).setFocus()
    press(qtbot, window, Qt.Key.Key_Right)
    assert window.focusWidget() is tile(window, 1)
    assert said[-1] == "Family"
    press(qtbot, window, Qt.Key.Key_Down)
    assert window.focusWidget() is tile(window, 4)
    press(qtbot, window, Qt.Key.Key_Left)
    assert window.focusWidget() is tile(window, 3)
    assert said[-1] == "Clock"
    press(qtbot, window, Qt.Key.Key_Up)
    assert window.focusWidget() is tile(window, 0)
    # Below the last row is the bar; nothing is above the first row, so Up stays put.
    for _ in range(3):
        press(qtbot, window, Qt.Key.Key_Down)
    assert window.focusWidget() in (window.home_button, window.back_button)
    tile(window, 1).setFocus()
    press(qtbot, window, Qt.Key.Key_Up)
    assert window.focusWidget() is tile(window, 1)


def test_in_uyghur_the_arrows_still_go_the_way_they_point(qtbot, shell) -> None:
    window, said = shell("ug")
    first, second = tile(window, 0), tile(window, 1)
    assert (
        first.mapTo(window, first.rect().center()).x()
        > second.mapTo(window, second.rect().center()).x()
    ), "right to left: the first tile is on the right"
    first.setFocus()
    press(qtbot, window, Qt.Key.Key_Left)
    assert window.focusWidget() is second
    press(qtbot, window, Qt.Key.Key_Right)
    assert window.focusWidget() is first
    assert said[-1] == first.accessibleName()


def test_tab_and_shift_tab_walk_every_control_and_read_it(qtbot, shell) -> None:
    window, said = shell()
    tile(window, 0).setFocus()
    reached: list[QWidget] = []
    for _ in range(20):
        press(qtbot, window, Qt.Key.Key_Tab)
        focused = window.focusWidget()
        assert focused is not None
        reached.append(focused)
        assert said[-1] == focused.accessibleName()
    for control in [*window.home.tile_buttons.values(), window.home_button, window.help_button]:
        assert control in reached, f"Tab never reaches {control.accessibleName()}"
    press(qtbot, window, Qt.Key.Key_Backtab)
    assert window.focusWidget() is reached[-2]


def test_every_tile_opens_from_the_keyboard_and_esc_comes_home(qtbot, shell) -> None:
    window, _said = shell()
    for index, key in ((0, Qt.Key.Key_Return), (1, Qt.Key.Key_Space), (2, Qt.Key.Key_Enter)):
        tile(window, index).setFocus()
        press(qtbot, window, key)
        current = window.stack.currentWidget()
        assert isinstance(current, PluginFrame), f"tile {index} did not open by {key}"
        assert current.tile.index == index
        press(qtbot, window, Qt.Key.Key_Escape)
        assert window.stack.currentWidget() is window.home


def test_the_bar_is_reached_by_arrows_from_inside_a_plugin(qtbot, shell) -> None:
    window, said = shell()
    window.open_tile(1)
    window.back_button.setFocus()
    press(qtbot, window, Qt.Key.Key_Left)
    assert window.focusWidget() is window.home_button
    assert said[-1] == "Home"
    press(qtbot, window, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.home


@pytest.mark.parametrize("theme", ["warm", "high-contrast", "dark"])
def test_the_focus_ring_is_wide_and_stands_out(qtbot, shell, theme) -> None:
    window, _said = shell(theme=theme)
    colours = window.instance.load_theme().colors
    button = window.help_button
    button.setFocus()
    qtbot.waitUntil(lambda: button.hasFocus())
    picture = button.grab().toImage()
    ratio = picture.devicePixelRatio()
    middle = int(picture.height() / 2)
    ring = QColor(colours["focus"]).rgb()
    inside = [int(x * ratio) for x in (1.5, 2.5, 3.5)]
    assert all(picture.pixel(x, middle) == ring for x in inside), (
        f"{theme}: no 4 px ring in {colours['focus']} at the button's edge"
    )
    assert contrast_ratio(colours["focus"], colours["background"]) >= 7


# -- one switch -------------------------------------------------------------------------------


def scanning(window: ShellWindow) -> Any:
    assert window.scanner is not None, "scan.enabled did not start scanning"
    return window.scanner


def test_scanning_reaches_and_opens_a_chosen_tile_with_one_switch(qtbot, shell) -> None:
    window, said = shell(scan={"enabled": True, "step_ms": 500, "rounds": 3})
    scanner = scanning(window)
    wanted = tile(window, 4)
    qtbot.waitUntil(lambda: scanner.current is wanted, timeout=15_000)
    assert scanner.highlight.isVisible()
    where = QRect(wanted.mapTo(window, QPoint(0, 0)), wanted.size())
    assert scanner.highlight.geometry().contains(where), "the ring is around the tile"
    names = [tile(window, index).accessibleName() for index in range(5)]
    assert said[-5:] == names, "each control is read as the ring reaches it"
    qtbot.keyClick(window, Qt.Key.Key_Space)
    current = window.stack.currentWidget()
    assert isinstance(current, PluginFrame) and current.tile.index == 4
    # The new screen starts the highlight again from its first control.
    assert scanner.current is None
    qtbot.waitUntil(lambda: scanner.current is not None, timeout=5000)
    assert scanner.current is not window.home_button


def test_a_click_anywhere_activates_what_is_highlighted_not_what_is_under_it(qtbot, shell) -> None:
    window, _said = shell(scan={"enabled": True, "step_ms": 500})
    scanner = scanning(window)
    qtbot.waitUntil(lambda: scanner.current is tile(window, 1), timeout=10_000)
    qtbot.mouseClick(tile(window, 7), Qt.MouseButton.LeftButton)
    current = window.stack.currentWidget()
    assert isinstance(current, PluginFrame) and current.tile.index == 1


def test_scanning_rests_after_its_rounds_and_the_switch_wakes_it(qtbot, shell) -> None:
    window, said = shell(
        tiles=[{"plugin": "clock"}], scan={"enabled": True, "step_ms": 500, "rounds": 1}
    )
    scanner = scanning(window)
    qtbot.waitUntil(lambda: scanner.resting, timeout=15_000)
    assert not scanner.highlight.isVisible()
    assert said[-1] == window.instance.translator.tr("scan.resting")
    qtbot.keyClick(window, Qt.Key.Key_Return)
    # Waking it only starts again at the top; it opens nothing.
    assert window.stack.currentWidget() is window.home
    assert scanner.current is tile(window, 0)
    assert said[-1] == "Clock"


def test_scanning_turns_on_and_off_with_the_setting(qtbot, shell) -> None:
    window, _said = shell()
    assert window.scanner is None, "no scanner is made for people who do not use one"
    window.instance.store.set("scan.enabled", True, reason="test")
    window.apply_settings()
    scanner = scanning(window)
    qtbot.waitUntil(lambda: scanner.current is not None, timeout=5000)
    window.instance.store.set("scan.enabled", False, reason="test")
    window.apply_settings()
    assert not scanner.enabled and not scanner.highlight.isVisible()
    # Without scanning, Space is an ordinary key again: it presses the focused tile.
    qtbot.waitUntil(lambda: tile(window, 0).isVisible())
    tile(window, 0).setFocus()
    press(qtbot, window, Qt.Key.Key_Space)
    assert isinstance(window.stack.currentWidget(), PluginFrame)


# -- screen readers ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_screen_readers_get_a_name_and_description_for_the_chrome(shell, locale) -> None:
    window, _said = shell(locale)
    tr = window.instance.translator.tr
    for widget, name_key in (
        (window.home_button, "bar.home"),
        (window.back_button, "bar.back"),
        (window.read_button, "bar.read"),
        (window.help_button, "bar.help"),
    ):
        interface = QAccessible.queryAccessibleInterface(widget)
        assert interface.text(QAccessible.Text.Name) == tr(name_key)
        assert interface.text(QAccessible.Text.Description) == tr(f"{name_key}.describe")
    contacts = QAccessible.queryAccessibleInterface(tile(window, 1))
    manifest = window.tiles[1].manifest
    assert manifest is not None
    assert contacts.text(QAccessible.Text.Description) == manifest.description(locale)
