"""Hong Kong Chinese and Uyghur: chosen from the system locale, shown in the shell, and
Uyghur mirrors the whole window because it is written right to left."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, open_test_instance, save_test_settings, show_shell
from PySide6.QtCore import QDate, QLocale, QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget
from test_cli import leling

from launcher.core.demo import demo_settings
from launcher.core.i18n import (
    LOCALE_NAMES,
    SUPPORTED_LOCALES,
    date_pattern,
    default_locale,
    is_rtl,
    normalize_locale,
)
from launcher.core.theme import load_theme
from launcher.ui.shell import ShellWindow
from launcher.ui.style import font_families

UYGHUR_HOME = "باش بەت"

pytestmark = pytest.mark.usefixtures("restore_excepthook")


@pytest.fixture(autouse=True)
def _left_to_right_afterwards(qapp: QApplication) -> Iterator[None]:
    # The direction belongs to the whole application: a failed test must not leave the
    # tests after it mirrored.
    yield
    qapp.setLayoutDirection(Qt.LayoutDirection.LeftToRight)


@pytest.fixture
def shell(home: Path, qtbot: Any) -> Callable[..., ShellWindow]:
    """Starts a shell with ``tiles`` and other ``settings``."""

    def start(tiles: list[dict[str, Any]], **settings: Any) -> ShellWindow:
        save_test_settings(open_test_instance(home), {"tiles": tiles, **settings})
        # Opened again, so that it starts in the saved language as Leling would.
        return show_shell(qtbot, open_test_instance(home))

    return start


def x_in_window(widget: QWidget, window: QWidget) -> int:
    return widget.mapTo(window, QPoint(0, 0)).x()


# -- choosing the language ------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh_HK.UTF-8", "zh_HK"),
        ("zh_TW.UTF-8", "zh_HK"),
        ("zh_MO.UTF-8", "zh_HK"),
        ("zh_Hant_TW.UTF-8", "zh_HK"),
        ("zh_Hans_HK.UTF-8", "zh_CN"),
        ("zh_SG.UTF-8", "zh_CN"),
        ("zh_CN.GB18030", "zh_CN"),
        ("ug", "ug"),
        ("ug_CN.UTF-8", "ug"),
        ("en_GB.UTF-8", "en"),
        ("fr_FR.UTF-8", "en"),
        ("C.UTF-8", "en"),
    ],
)
def test_the_system_locale_picks_the_language(lang: str, expected: str) -> None:
    assert default_locale({"LANG": lang}) == expected
    assert default_locale({"LC_ALL": lang, "LANG": "zh_CN.UTF-8"}) == expected


def test_every_language_is_named_and_only_uyghur_is_right_to_left() -> None:
    assert SUPPORTED_LOCALES == ("zh_CN", "zh_HK", "en", "ug")
    assert LOCALE_NAMES["zh_HK"] == "繁體中文（香港）" and LOCALE_NAMES["ug"] == "ئۇيغۇرچە"
    assert [locale for locale in SUPPORTED_LOCALES if is_rtl(locale)] == ["ug"]
    assert normalize_locale("zh-hant") == "zh_HK" and normalize_locale("de_DE") is None


def test_the_header_date_is_written_the_local_way() -> None:
    sunday = QDate(2026, 11, 29)

    def header(locale: str) -> str:
        return QLocale(locale).toString(sunday, date_pattern(locale))

    assert header("zh_HK") == "2026年11月29日  星期日"
    assert header("zh_CN") == "2026年11月29日  星期日"
    assert header("en") == "Sunday, 29 November 2026"
    assert header("ug") == "2026-يىلى 29-نويابىر، يەكشەنبە"


def test_the_demo_profile_speaks_every_language() -> None:
    for locale in SUPPORTED_LOCALES:
        settings = demo_settings(locale)
        tables = [tile["label"] for tile in settings["tiles"] if "label" in tile]
        tables += [person["relation"] for person in settings["contacts"]]
        for table in tables:
            assert set(table) == set(SUPPORTED_LOCALES), table
    hong_kong = demo_settings("zh_HK")
    assert hong_kong["senior"]["name"] == "王秀蘭"
    assert [person["relation"]["zh_HK"] for person in hong_kong["contacts"]] == [
        "兒子",
        "女兒",
        "家庭醫生",
    ]


def test_hong_kong_text_takes_the_hong_kong_glyphs_first() -> None:
    families = load_theme(REPO / "themes" / "warm.toml").font_families
    assert font_families(families, "zh_HK")[:2] == ["Noto Sans CJK HK", "Noto Sans CJK TC"]
    # The other languages keep the theme's order: Simplified Chinese first, and Uyghur
    # letters fall through the CJK fonts to the Arabic one.
    for locale in ("zh_CN", "en", "ug"):
        assert font_families(families, locale) == list(families)
    assert sorted(font_families(families, "zh_HK")) == sorted(families)


# -- the running shell ----------------------------------------------------------------


def test_switching_to_uyghur_mirrors_the_window_and_back_restores_it(
    shell: Callable[..., ShellWindow], qtbot: Any
) -> None:
    window = shell([{"plugin": "clock"}, {"plugin": "contacts"}], locale="en")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert x_in_window(window.home_button, window) < x_in_window(window.help_button, window)

    window.set_locale("ug")
    assert app.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert window.home_button.accessibleName() == UYGHUR_HOME
    qtbot.waitUntil(
        lambda: x_in_window(window.home_button, window) > x_in_window(window.help_button, window)
    )
    # The clock sits at the right-hand end of the header, the first tile at the right.
    assert x_in_window(window.clock, window) > x_in_window(window.date, window)
    tiles = window.home.tile_buttons
    assert x_in_window(tiles[0], window) > x_in_window(tiles[1], window)

    window.set_locale("en")
    assert app.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert window.home_button.accessibleName() == "Home"
    qtbot.waitUntil(
        lambda: x_in_window(window.home_button, window) < x_in_window(window.help_button, window)
    )


@pytest.mark.parametrize(
    ("locale", "home_word", "weekday_word"),
    [("zh_HK", "主頁", "星期"), ("ug", UYGHUR_HOME, "يىلى")],
)
def test_the_home_screen_speaks_the_language(
    shell: Callable[..., ShellWindow], locale: str, home_word: str, weekday_word: str
) -> None:
    window = shell([{"plugin": "clock"}], locale=locale)
    assert home_word in window.home_button.text()
    assert window.home_button.accessibleName() == home_word
    assert weekday_word in window.date.text()
    weekday = QLocale(locale).dayName(QDate.currentDate().dayOfWeek())
    assert weekday in window.date.text()
    clock_name = {"zh_HK": "時鐘", "ug": "سائەت"}[locale]
    assert window.home.tile_buttons[0].text() == clock_name


# -- the command line -----------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_HK", "ug"])
def test_screenshot_and_audit_in_the_new_languages(home: Path, tmp_path: Path, locale: str) -> None:
    picture = tmp_path / f"home-{locale}.png"
    shot = leling(home, "screenshot", str(picture), "--locale", locale, "--open", "contacts")
    assert shot.returncode == 0, shot.stderr
    image = QImage(str(picture))
    assert not image.isNull() and (image.width(), image.height()) == (1280, 800)

    audited = leling(home, "inspect", "--audit", "--json", "--locale", locale, "--scale", "200")
    assert audited.returncode == 0, audited.stdout + audited.stderr
    report = json.loads(audited.stdout)
    assert report["locale"] == locale

    def find(elements: list[dict[str, Any]], element_id: str) -> dict[str, Any]:
        for element in elements:
            if element.get("id") == element_id:
                return element
            found = find(element.get("children", []), element_id)
            if found:
                return found
        return {}

    home_x = find(report["elements"], "homeButton")["rect"][0]
    help_x = find(report["elements"], "helpButton")["rect"][0]
    assert (home_x > help_x) == is_rtl(locale)


def test_the_uyghur_screenshot_is_mirrored(home: Path, tmp_path: Path) -> None:
    """Read from the pictures themselves: "Help me" (the one red button) and the clock
    change sides between English and Uyghur."""
    colours = load_theme(REPO / "themes" / "warm.toml").colors
    danger = QColor(colours["danger"]).rgb()
    header_text = QColor(colours["header_text"]).rgb()

    def mean_x(image: QImage, colour: int, top: int, bottom: int) -> float:
        xs = [
            x
            for y in range(top, bottom, 4)
            for x in range(0, image.width(), 4)
            if image.pixel(x, y) == colour
        ]
        assert xs, f"no {QColor(colour).name()} between y={top} and y={bottom}"
        return sum(xs) / len(xs)

    sides = {}
    for locale in ("en", "ug"):
        picture = tmp_path / f"home-{locale}.png"
        shot = leling(home, "screenshot", str(picture), "--locale", locale, "--theme", "warm")
        assert shot.returncode == 0, shot.stderr
        image = QImage(str(picture))
        height = image.height()
        sides[locale] = (
            mean_x(image, danger, height - 80, height - 10),
            mean_x(image, header_text, 10, 90),
        )
    middle = 1280 / 2
    (en_help, en_clock), (ug_help, ug_clock) = sides["en"], sides["ug"]
    assert en_help > middle > ug_help, f"Help me at x={en_help:.0f} in en, {ug_help:.0f} in ug"
    assert en_clock < middle < ug_clock, f"clock side: x={en_clock:.0f} in en, {ug_clock:.0f} in ug"
