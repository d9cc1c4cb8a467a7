"""The built-in plugins, driven through their real classes.

Each plugin gets a ``StubContext``: a stand-in for the shell's per-tile context that
implements :class:`launcher.api.PluginContext` over the plugin's real manifest and real
catalogues, and records what the plugin asked the outside world to do (open a URL).
One test also opens every demo tile in the real shell.
"""

from __future__ import annotations

import ast
import logging
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import catching_links
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget

from launcher.api import Contact, PluginContext
from launcher.core.i18n import SUPPORTED_LOCALES, Translator, load_catalogues, pick_localized
from launcher.core.manifest import Manifest, check_entry_code, parse_manifest
from launcher.core.registry import import_entry

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
BUILTINS = (
    "booking",
    "checkin",
    "clock",
    "contacts",
    "medicine",
    "music",
    "mycard",
    "photos",
    "sos",
    "taxi",
    "videocall",
    "weather",
    "web",
)


def manifest_of(plugin_id: str) -> Manifest:
    return parse_manifest(PLUGINS / plugin_id / "manifest.toml")


def plugin_class(plugin_id: str) -> type:
    return import_entry(manifest_of(plugin_id))


def plugin_module(plugin_id: str) -> ModuleType:
    return sys.modules[plugin_class(plugin_id).__module__]


class StubTimer:
    """A repeating Qt timer, like the shell's, that records a failing callback."""

    def __init__(self, milliseconds: int, callback: Callable[[], None], failures: list[str]):
        self.milliseconds = milliseconds
        self._callback = callback
        self._failures = failures
        self._timer = QTimer()
        self._timer.setInterval(milliseconds)
        self._timer.timeout.connect(self._fire)
        self._timer.start()

    def _fire(self) -> None:
        try:
            self._callback()
        except Exception as exc:
            self.stop()
            self._failures.append(repr(exc))

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()


class StubContext:
    """A stand-in for the shell (launcher.ui.host.Context) for one tile of one plugin.

    Config is checked against the plugin's manifest, messages come from its real
    catalogues (an unknown key fails the test instead of showing the key), permissions
    are enforced as the shell does, and URLs are recorded instead of opened.
    """

    def __init__(
        self,
        plugin_id: str,
        data_dir: Path,
        *,
        locale: str = "en",
        config: Mapping[str, Any] | None = None,
        contacts: list[Contact] | None = None,
        open_result: bool = True,
        label: Mapping[str, str] | str = "",
    ) -> None:
        self.manifest = manifest_of(plugin_id)
        self.plugin_id = plugin_id
        self.config = self.manifest.check_config(config or {}, f"{plugin_id}.config")
        self.data_dir = data_dir
        self.log = logging.getLogger(f"leling.plugins.{plugin_id}")
        self._translator = Translator(load_catalogues(self.manifest.folder / "locales"), locale)
        self._contacts = list(contacts or [])
        self._label = label
        self.open_result = open_result
        self.opened: list[str] = []
        self.timers: list[StubTimer] = []
        self.failures: list[str] = []
        #: Whether the plugin said a call is under way (call_started / call_ended).
        self.in_call = False

    @property
    def locale(self) -> str:
        return self._translator.locale

    def tr(self, key: str, /, **values: object) -> str:
        assert key in self._translator.keys(self.locale), f"{self.plugin_id}: no message {key!r}"
        return self._translator.tr(key, **values)

    def localized(self, texts: Mapping[str, str] | str) -> str:
        return texts if isinstance(texts, str) else pick_localized(texts, self.locale)

    def tile_label(self) -> str:
        return self.localized(self._label) if self._label else self.manifest.name(self.locale)

    def every(self, milliseconds: int, callback: Callable[[], None]) -> StubTimer:
        timer = StubTimer(milliseconds, callback, self.failures)
        self.timers.append(timer)
        return timer

    def _require(self, permission: str) -> None:
        if permission not in self.manifest.permissions:
            raise PermissionError(f"{self.plugin_id} used {permission!r} without declaring it")

    def open_url(self, url: str) -> bool:
        self._require("open_url")
        self.opened.append(url)
        return self.open_result

    def contacts(self) -> list[Contact]:
        self._require("contacts")
        return list(self._contacts)

    def site_allowed(self, url: str) -> bool:
        # The family has listed no sites: every web address may open (see test_safety.py
        # for the list at work in the real shell).
        return url.startswith(("http://", "https://"))

    def web_page(self, url: str, *, media: bool = False, sites: Any = ()) -> None:
        # A machine without Qt WebEngine: plugins fall back to the browser (see
        # test_safety.py and test_videocall.py for pages in the real engine).
        self._require("network")
        return None

    def call_started(self) -> None:
        self.in_call = True

    def call_ended(self) -> None:
        self.in_call = False

    def stop_timers(self) -> None:
        for timer in self.timers:
            timer.stop()


@pytest.fixture
def make_context(tmp_path: Path) -> Iterator[Callable[..., StubContext]]:
    made: list[StubContext] = []

    def make(plugin_id: str, **kwargs: Any) -> StubContext:
        data_dir = tmp_path / "plugin-data" / plugin_id
        data_dir.mkdir(parents=True, exist_ok=True)
        context = StubContext(plugin_id, data_dir, **kwargs)
        made.append(context)
        return context

    yield make
    for context in made:
        context.stop_timers()
        assert not context.failures, f"{context.plugin_id} timer failed: {context.failures}"


def open_screen(qtbot: Any, context: StubContext, size: tuple[int, int] = (1200, 700)) -> Any:
    plugin = plugin_class(context.plugin_id)(context)
    plugin.activate()
    screen = plugin.create_screen()
    assert isinstance(screen, QWidget)
    qtbot.addWidget(screen)
    screen.resize(*size)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def assert_conforms(context: StubContext) -> None:
    # The stub must really be a PluginContext, or these tests prove nothing about the shell.
    checked: PluginContext = context
    for name in ("plugin_id", "config", "data_dir", "log", "locale"):
        assert hasattr(checked, name)
    for name in ("tr", "localized", "tile_label", "every", "open_url", "contacts"):
        assert callable(getattr(checked, name))


# -- every plugin ---------------------------------------------------------------------


@pytest.mark.parametrize("plugin_id", BUILTINS)
def test_manifest_and_entry_code_are_valid(plugin_id: str) -> None:
    manifest = manifest_of(plugin_id)
    check_entry_code(manifest)
    assert manifest.id == plugin_id == manifest.folder.name
    for locale in SUPPORTED_LOCALES:
        assert manifest.name(locale).strip() and manifest.description(locale).strip()
        for spec in manifest.config:
            assert spec.titles.get(locale, "").strip(), f"{spec.key} has no {locale} title"
    assert manifest.icon is not None
    icon = QImage(str(manifest.icon))
    assert not icon.isNull(), f"{manifest.icon} does not load as an image"


@pytest.mark.parametrize("plugin_id", BUILTINS)
def test_catalogues_have_the_same_keys_and_a_utf8_header(plugin_id: str) -> None:
    locales_dir = PLUGINS / plugin_id / "locales"
    catalogues = load_catalogues(locales_dir)
    assert set(catalogues) == set(SUPPORTED_LOCALES)
    keys = {locale: set(messages) for locale, messages in catalogues.items()}
    assert keys["zh_CN"] == keys["en"], keys["zh_CN"] ^ keys["en"]
    for locale, messages in catalogues.items():
        assert all(text.strip() for text in messages.values()), locale
        text = (locales_dir / f"{locale}.po").read_text(encoding="utf-8")
        header = re.search(r'^msgid ""\nmsgstr ""\n((?:".*"\n)+)', text, re.MULTILINE)
        assert header, f"{locale}.po has no header entry"
        assert "Content-Type: text/plain; charset=UTF-8\\n" in header.group(1)
        assert f"Language: {locale}\\n" in header.group(1)


def _python_files() -> list[Path]:
    return sorted(PLUGINS.glob("*/**/*.py"))


def test_plugins_import_only_launcher_api() -> None:
    files = _python_files()
    assert {f.parent.name for f in files} >= set(BUILTINS)
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                assert top not in ("PySide6", "shiboken6", "PyQt5", "PyQt6"), where
                if top == "launcher":
                    assert name == "launcher.api", f"{where} imports {name}"


def test_clock_imports_lunar_python_only_when_used() -> None:
    path = PLUGINS / "clock" / "plugin.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = [
        alias.name if isinstance(node, ast.Import) else node.module
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    assert not [name for name in top_level if name and name.startswith("lunar_python")]


@pytest.mark.parametrize("plugin_id", BUILTINS)
def test_every_literal_message_key_exists(plugin_id: str) -> None:
    catalogue = load_catalogues(PLUGINS / plugin_id / "locales")
    used = set()
    for path in (PLUGINS / plugin_id).glob("**/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                used.add(node.args[0].value)
    assert used, f"{plugin_id} shows no translated text"
    for locale in SUPPORTED_LOCALES:
        assert used <= set(catalogue[locale]), used - set(catalogue[locale])


# -- clock ----------------------------------------------------------------------------


def clock_tr(locale: str) -> Callable[..., str]:
    return Translator(load_catalogues(PLUGINS / "clock" / "locales"), locale).tr


def test_lunar_text_spring_festival_and_leap_month() -> None:
    clock = plugin_module("clock")
    zh, en = clock_tr("zh_CN"), clock_tr("en")
    spring = clock.lunar_text(date(2026, 2, 17), zh)
    assert "正月初一" in spring and "春节" in spring
    assert spring == "农历正月初一　春节"
    assert clock.lunar_text(date(2026, 2, 17), en) == "Lunar calendar: 1st month, day 1 (春节)"
    assert clock.lunar_text(date(2025, 7, 25), zh) == "农历闰六月初一"
    assert clock.lunar_text(date(2025, 7, 25), en) == "Lunar calendar: leap 6th month, day 1"
    assert clock.lunar_text(date(2026, 4, 5), zh) == "农历二月十八　清明"
    assert clock.lunar_text(date(2026, 11, 29), zh) == "农历十月廿一"


def test_clock_catalogue_names_every_day_month_and_weekday() -> None:
    # These keys are built at run time (clock.month.{n}), so no scan of the code finds them.
    catalogues = load_catalogues(PLUGINS / "clock" / "locales")
    needed = {f"clock.weekday.{n}" for n in range(7)}
    needed |= {f"clock.month.{n}" for n in range(1, 13)}
    needed |= {f"clock.lunar.month.{n}" for n in range(1, 13)}
    needed |= {f"clock.lunar.day.{n}" for n in range(1, 31)}
    for locale in SUPPORTED_LOCALES:
        assert needed <= set(catalogues[locale]), sorted(needed - set(catalogues[locale]))


def test_date_text_in_both_languages(make_context: Callable[..., StubContext]) -> None:
    clock = plugin_module("clock")
    day = date(2026, 11, 29)
    assert clock.date_text(day, make_context("clock", locale="zh_CN").tr) == "2026年11月29日 星期日"
    assert clock.date_text(day, make_context("clock", locale="en").tr) == "Sunday 29 November 2026"
    english = make_context("clock", locale="en")
    names = {clock.date_text(date(2026, 1, d), english.tr).split()[0] for d in range(5, 12)}
    assert len(names) == 7
    months = {clock.date_text(date(2026, m, 1), english.tr).split()[2] for m in range(1, 13)}
    assert len(months) == 12


def test_clock_shows_the_time_date_and_lunar_date(
    qtbot: Any, make_context: Callable[..., StubContext]
) -> None:
    clock = plugin_module("clock")
    context = make_context("clock", locale="zh_CN")
    assert_conforms(context)
    before = datetime.now()
    screen = open_screen(qtbot, context)
    after = datetime.now()
    assert screen.face.text() in {before.strftime("%H:%M"), after.strftime("%H:%M")}
    today = after.date()
    assert screen.date_label.text() == clock.date_text(today, context.tr)
    assert screen.lunar_label.isVisible()
    assert screen.lunar_label.text() == clock.lunar_text(today, context.tr)
    assert screen.lunar_label.text().startswith("农历")
    assert [t.milliseconds for t in context.timers] == [1000]


def test_clock_follows_the_time(
    qtbot: Any, make_context: Callable[..., StubContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = plugin_module("clock")
    context = make_context("clock", locale="en")
    screen = open_screen(qtbot, context)
    monkeypatch.setattr(clock, "_now", lambda: datetime(2026, 2, 17, 8, 5, 9))
    qtbot.waitUntil(lambda: screen.face.text() == "08:05", timeout=5000)
    assert screen.date_label.text() == "Tuesday 17 February 2026"
    assert screen.lunar_label.text() == "Lunar calendar: 1st month, day 1 (春节)"
    assert screen.face.accessibleName() == "08:05"


def test_clock_with_seconds_and_without_lunar_date(
    qtbot: Any, make_context: Callable[..., StubContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = plugin_module("clock")
    monkeypatch.setattr(clock, "_now", lambda: datetime(2026, 2, 17, 8, 5, 9))
    context = make_context("clock", config={"show_seconds": True, "show_lunar": False})
    screen = open_screen(qtbot, context)
    assert screen.face.text() == "08:05:09"
    assert not screen.lunar_label.isVisible()
    assert screen.lunar_label.text() == ""
    assert context.timers and context.timers[0].milliseconds < 1000


# -- contacts -------------------------------------------------------------------------


@pytest.fixture
def red_photo(tmp_path: Path) -> Path:
    image = QImage(120, 90, QImage.Format.Format_RGB32)
    image.fill(QColor("#E00000"))
    path = tmp_path / "son.png"
    assert image.save(str(path), "PNG")
    return path


def family(photo: Path | None) -> list[Contact]:
    return [
        Contact("王小明", "儿子", "138 0013 8000", photo),
        Contact("李芳", "女儿", "139 0013 9000", None),
        Contact("Dr Zhang", "Family doctor", "010 6512 3456", None),
    ]


def test_contacts_show_one_card_per_person(
    qtbot: Any, make_context: Callable[..., StubContext], red_photo: Path
) -> None:
    context = make_context("contacts", contacts=family(red_photo))
    assert_conforms(context)
    screen = open_screen(qtbot, context)
    assert len(screen.cards) == 3
    qtbot.waitUntil(lambda: all(card.isVisible() for card in screen.cards))
    for card, person in zip(screen.cards, family(red_photo), strict=True):
        assert card.name_label.text() == person.name and card.name_label.isVisible()
        assert card.phone_label.text() == person.phone and card.phone_label.isVisible()
    assert not screen.nav.isVisible()


def test_contact_photo_is_drawn_and_others_get_an_initial(
    qtbot: Any, make_context: Callable[..., StubContext], red_photo: Path
) -> None:
    contacts = plugin_module("contacts")
    screen = open_screen(qtbot, make_context("contacts", contacts=family(red_photo)))
    son, daughter = screen.cards[0].avatar, screen.cards[1].avatar
    qtbot.waitUntil(lambda: son.isVisible() and son.diameter > 0)
    assert son.has_photo and not daughter.has_photo

    def colour_at(avatar: Any, dx: float, dy: float) -> QColor:
        image = avatar.grab().toImage()
        side = min(image.width(), image.height())
        x = image.width() / 2 + dx * side / 2
        y = image.height() / 2 + dy * side / 2
        return QColor(image.pixel(int(x), int(y)))

    centre = colour_at(son, 0, 0)
    assert centre.red() > 200 and centre.green() < 60 and centre.blue() < 60
    # Near the rim, clear of the letter: the person's own circle colour.
    rim = colour_at(daughter, 0, -0.8)
    expected = QColor(contacts.avatar_colour("李芳"))
    assert abs(rim.red() - expected.red()) < 8 and abs(rim.green() - expected.green()) < 8


def test_tapping_a_card_then_call_dials_the_digits(
    qtbot: Any, make_context: Callable[..., StubContext], red_photo: Path
) -> None:
    context = make_context("contacts", contacts=family(red_photo))
    screen = open_screen(qtbot, context)
    card = screen.cards[0]
    qtbot.waitUntil(card.isVisible)
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    detail = screen.detail
    assert detail is not None
    qtbot.waitUntil(detail.isVisible)
    assert not screen.grid_view.isVisible()
    assert detail.name_label.text() == "王小明"
    assert detail.phone_label.text() == "138 0013 8000" and detail.phone_label.isVisible()
    qtbot.mouseClick(detail.call_button, Qt.MouseButton.LeftButton)
    assert context.opened == ["tel:13800138000"]
    assert detail.message.text() == context.tr("contacts.calling", name="王小明")

    qtbot.mouseClick(detail.back_button, Qt.MouseButton.LeftButton)
    assert screen.detail is None
    qtbot.waitUntil(lambda: all(card.isVisible() for card in screen.cards))


def test_call_without_a_phone_app_asks_to_dial_by_hand(
    qtbot: Any, make_context: Callable[..., StubContext]
) -> None:
    context = make_context("contacts", locale="en", contacts=family(None), open_result=False)
    screen = open_screen(qtbot, context)
    card = screen.cards[0]
    qtbot.waitUntil(card.isVisible)
    card.setFocus()
    qtbot.keyClick(card, Qt.Key.Key_Return)
    detail = screen.detail
    assert detail is not None
    qtbot.waitUntil(detail.call_button.isVisible)
    qtbot.mouseClick(detail.call_button, Qt.MouseButton.LeftButton)
    assert context.opened == ["tel:13800138000"]
    qtbot.waitUntil(detail.message.isVisible)
    assert detail.message.text() == "Please dial this number on your phone: 138 0013 8000"


def test_dial_string_keeps_digits_and_an_international_plus() -> None:
    contacts = plugin_module("contacts")
    assert contacts.dial_string("138 0013 8000") == "13800138000"
    assert contacts.dial_string("(010) 6512-3456") == "01065123456"
    assert contacts.dial_string(" +86 138 0013 8000") == "+8613800138000"
    assert contacts.dial_string("") == ""


def test_contact_without_number_cannot_be_called(
    qtbot: Any, make_context: Callable[..., StubContext]
) -> None:
    context = make_context("contacts", contacts=[Contact("Neighbour", "", "", None)])
    screen = open_screen(qtbot, context)
    qtbot.waitUntil(screen.cards[0].isVisible)
    screen.show_detail(screen.cards[0].contact)
    detail = screen.detail
    qtbot.waitUntil(detail.isVisible)
    assert not detail.call_button.isVisible()
    assert detail.message.text() == context.tr("contacts.no_phone", name="Neighbour")
    assert context.opened == []


def test_no_contacts_asks_the_family_to_add_some(
    qtbot: Any, make_context: Callable[..., StubContext]
) -> None:
    context = make_context("contacts", locale="zh_CN", contacts=[])
    screen = open_screen(qtbot, context)
    texts = [label.text() for label in screen.findChildren(QWidget) if hasattr(label, "text")]
    assert context.tr("contacts.empty.body") in texts
    assert not screen.grid_view.isVisible()


def test_many_contacts_are_paged_with_big_buttons(
    qtbot: Any, make_context: Callable[..., StubContext]
) -> None:
    people = [Contact(f"Person {n}", "Friend", f"139 0000 00{n:02d}", None) for n in range(8)]
    context = make_context("contacts", contacts=people)
    screen = open_screen(qtbot, context, size=(1200, 520))
    qtbot.waitUntil(screen.nav.isVisible)
    assert screen.page_count > 1 and screen.columns == 3
    first = screen.visible_cards()
    assert all(card.isVisible() for card in first)
    assert not screen.previous_button.isEnabled() and screen.next_button.isEnabled()
    assert screen.page_label.text() == context.tr("contacts.page", page=1, pages=screen.page_count)
    qtbot.mouseClick(screen.next_button, Qt.MouseButton.LeftButton)
    second = screen.visible_cards()
    assert second[0] is screen.cards[screen.per_page]
    qtbot.waitUntil(lambda: all(card.isVisible() for card in second))
    assert not any(card.isVisible() for card in first)
    # Whole cards only: none is squeezed below the height it asks for.
    for card in second:
        assert card.height() >= card.minimumSizeHint().height()


def test_columns_config_is_respected(qtbot: Any, make_context: Callable[..., StubContext]) -> None:
    context = make_context("contacts", contacts=family(None), config={"columns": 1})
    screen = open_screen(qtbot, context)
    qtbot.waitUntil(lambda: screen.columns == 1 and screen.cards[0].isVisible())
    assert screen.cards[0].width() > 900


def test_unreadable_photo_falls_back_to_the_initial(
    qtbot: Any, make_context: Callable[..., StubContext], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.png"
    broken.write_text("not an image", encoding="utf-8")
    screen = open_screen(qtbot, make_context("contacts", contacts=family(broken)))
    assert not screen.cards[0].avatar.has_photo


# -- web ------------------------------------------------------------------------------


def test_web_opens_the_configured_address_once(
    qtbot: Any, make_context: Callable[..., StubContext]
) -> None:
    url = "https://example.org/news/today"
    context = make_context("web", config={"url": url}, label={"zh_CN": "新闻", "en": "News"})
    assert_conforms(context)
    screen = open_screen(qtbot, context)
    qtbot.waitUntil(lambda: context.opened == [url])
    assert screen.status.text() == "Opening News in the web browser…"
    assert screen.address.text().replace("\u200b", "") == url
    assert not any(timer.active for timer in context.timers)
    qtbot.mouseClick(screen.open_button, Qt.MouseButton.LeftButton)
    assert context.opened == [url, url]


def test_web_without_a_browser_says_so_calmly(
    qtbot: Any, make_context: Callable[..., StubContext]
) -> None:
    context = make_context("web", locale="zh_CN", open_result=False)
    screen = open_screen(qtbot, context)
    qtbot.waitUntil(lambda: screen.status.text() == context.tr("web.failed"))
    assert context.opened == ["https://www.gov.cn/"]
    assert screen.open_button.isVisible()
    context.open_result = True
    qtbot.mouseClick(screen.open_button, Qt.MouseButton.LeftButton)
    assert screen.status.text() == context.tr("web.opening", name=context.tile_label())


def test_web_without_an_address_opens_nothing(
    qtbot: Any, make_context: Callable[..., StubContext]
) -> None:
    context = make_context("web", config={"url": ""})
    screen = open_screen(qtbot, context)
    assert screen.status.isVisible() and not screen.open_button.isVisible()
    assert screen.status.text() == context.tr("web.no_url")
    assert context.timers == [] and context.opened == []


def test_web_long_address_wraps_instead_of_widening_the_screen(
    qtbot: Any, make_context: Callable[..., StubContext]
) -> None:
    url = "https://example.org/" + "a-very-long-path-segment/" * 12 + "?q=1&page=2"
    context = make_context("web", config={"url": url})
    screen = open_screen(qtbot, context, size=(800, 600))
    qtbot.waitUntil(lambda: context.opened == [url])
    assert screen.minimumSizeHint().width() <= 800
    assert screen.address.text().endswith("…")


def test_web_url_config_rejects_other_schemes() -> None:
    from launcher.core.schema import SchemaError

    with pytest.raises(SchemaError):
        manifest_of("web").check_config({"url": "javascript:alert(1)"}, "tiles.2.config")


# -- large text on a small display ------------------------------------------------------


@pytest.fixture
def big_text(qapp: Any) -> Iterator[None]:
    """The real theme at 200 % text size, as a senior with low vision would set it."""
    from launcher.core.theme import load_theme
    from launcher.ui.style import apply_theme

    font, sheet = qapp.font(), qapp.styleSheet()
    apply_theme(qapp, load_theme(ROOT / "themes" / "warm.toml"), 200)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)


# What the shell leaves a plugin on a 1280×800 display at 200 % text.
SHORT = (1232, 368)


def assert_nothing_cut_off(screen: QWidget) -> None:
    assert screen.minimumSizeHint().height() <= screen.height()
    for child in screen.findChildren(QWidget):
        if child.isVisible() and child.layout() is None and child.hasHeightForWidth():
            needed = child.heightForWidth(child.width())
            assert child.height() >= needed, f"{child.objectName() or child} is cut off"


@pytest.mark.usefixtures("big_text")
def test_contacts_fit_a_short_screen_with_large_text(
    qtbot: Any, make_context: Callable[..., StubContext]
) -> None:
    context = make_context("contacts", contacts=family(None), open_result=False)
    screen = open_screen(qtbot, context, size=SHORT)
    qtbot.waitUntil(lambda: all(card.isVisible() for card in screen.visible_cards()))
    assert_nothing_cut_off(screen)
    for card in screen.visible_cards():
        assert card.name_label.isVisible() and card.phone_label.isVisible()
    screen.show_detail(screen.cards[0].contact)
    detail = screen.detail
    qtbot.waitUntil(detail.isVisible)
    qtbot.mouseClick(detail.call_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(detail.message.isVisible)
    assert "138 0013 8000" in detail.message.text()
    assert_nothing_cut_off(screen)


@pytest.mark.usefixtures("big_text")
def test_web_fits_a_short_screen_with_large_text(
    qtbot: Any, make_context: Callable[..., StubContext]
) -> None:
    context = make_context("web", open_result=False, label="News")
    screen = open_screen(qtbot, context, size=SHORT)
    qtbot.waitUntil(lambda: context.opened != [])
    assert screen.status.text() == context.tr("web.failed")
    # The longer failure message is laid out on the next turn of the event loop.
    qtbot.waitUntil(lambda: assert_nothing_cut_off(screen) is None)
    assert screen.open_button.isVisible()


# -- in the real shell ----------------------------------------------------------------


def test_demo_tiles_open_in_the_real_shell(qtbot: Any, tmp_path: Path) -> None:
    from launcher.core.instance import Overrides, open_instance
    from launcher.ui.shell import PluginFrame, ShellWindow

    # Links go to the catcher, so no browser starts.
    with catching_links("http", "https", "tel") as catcher:
        instance = open_instance(str(tmp_path / "home"), overrides=Overrides(locale="en"))
        window = ShellWindow(instance, windowed=True)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        for index, tile in enumerate(instance.settings["tiles"]):
            window.open_tile(index)
            frame = window.stack.currentWidget()
            assert isinstance(frame, PluginFrame), f"tile {index + 1} ({tile['plugin']})"
            assert window.host.unavailable == {}
            if tile["plugin"] == "web":
                # Shown inside Leling (no internet here: it says so calmly), not in a
                # browser over the shell.
                assert frame.content.objectName() == "webPage"
        assert catcher.urls == []
        window.go_home()
        window.close()


def test_avatar_letters_reach_seven_to_one_on_every_avatar_colour() -> None:
    from launcher.core.theme import contrast_ratio

    contacts = plugin_module("contacts")
    weak = {c: round(contrast_ratio("#FFFFFF", c), 2) for c in contacts.AVATAR_COLOURS}
    assert all(ratio >= 7 for ratio in weak.values()), weak
