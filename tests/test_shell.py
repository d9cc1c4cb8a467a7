"""The shell as a senior meets it: tiles open plugins, broken plugins stay calm."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import helper_problems, start_shell
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QScrollArea

from launcher.core.settings import SettingsStore
from launcher.ui.shell import MessagePage, PluginFrame, ShellWindow

HELLO = """
from launcher.api import BigLabel, Plugin, Screen

class TestPlugin(Plugin):
    def create_screen(self):
        screen = Screen()
        screen.add(BigLabel("Hello from the plugin " + self.context.config.get("who", "")))
        return screen
"""


pytestmark = pytest.mark.usefixtures("restore_excepthook")


@pytest.fixture
def shell(home: Path, qtbot: Any) -> Callable[..., ShellWindow]:
    """Starts a shell with ``tiles`` and other ``settings``."""

    def start(tiles: list[dict[str, Any]], **settings: Any) -> ShellWindow:
        return start_shell(home, qtbot, {"tiles": tiles, **settings})

    return start


def visible_texts(window: ShellWindow) -> list[str]:
    current = window.stack.currentWidget()
    return [label.text() for label in current.findChildren(QLabel) if label.isVisibleTo(window)]


def tap_tile(qtbot: Any, window: ShellWindow, index: int) -> None:
    qtbot.mouseClick(window.home.tile_buttons[index], Qt.MouseButton.LeftButton)


def calm_page_shown(window: ShellWindow) -> bool:
    return isinstance(window.stack.currentWidget(), MessagePage) and any(
        "Not available right now" in text for text in visible_texts(window)
    )


def test_a_tile_opens_its_plugin_and_home_returns(shell, make_plugin, qtbot) -> None:
    make_plugin("hello", HELLO)
    window = shell([{"plugin": "hello", "label": "Hello tile"}])
    assert window.home.tile_buttons[0].text() == "Hello tile"

    tap_tile(qtbot, window, 0)

    assert isinstance(window.stack.currentWidget(), PluginFrame)
    assert window.screen_title.isVisible() and window.screen_title.text() == "Hello tile"
    assert not window.date.isVisible(), "the header shows the title instead of the date"
    assert "Hello from the plugin " in visible_texts(window)
    qtbot.mouseClick(window.home_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.home
    assert window.date.isVisible() and not window.screen_title.isVisible()


def test_each_tile_gets_its_own_config(shell, make_plugin, qtbot) -> None:
    manifest = make_plugin("hello", HELLO) / "manifest.toml"
    extra = (
        '\n[config.who]\ntype = "str"\ndefault = "nobody"\n'
        'title = { zh_CN = "谁", zh_HK = "誰", en = "Who", ug = "كىم" }\n'
    )
    manifest.write_text(manifest.read_text(encoding="utf-8") + extra, encoding="utf-8")
    window = shell([{"plugin": "hello"}, {"plugin": "hello", "config": {"who": "Grandma"}}])
    tap_tile(qtbot, window, 1)
    assert "Hello from the plugin Grandma" in visible_texts(window)
    qtbot.mouseClick(window.home_button, Qt.MouseButton.LeftButton)
    tap_tile(qtbot, window, 0)
    assert "Hello from the plugin nobody" in visible_texts(window)


def test_plugin_code_is_imported_on_first_tap_not_at_start(shell, make_plugin, qtbot, tmp_path):
    marker = tmp_path / "imported"
    make_plugin("lazy", f"from pathlib import Path\nPath({str(marker)!r}).touch()\n" + HELLO)
    window = shell([{"plugin": "lazy"}])
    assert not marker.exists(), "drawing the home screen must not import plugin code"
    tap_tile(qtbot, window, 0)
    assert marker.exists()


BROKEN = {
    "syntax-error": "def broken(:\n",
    "import-error": "import module_that_does_not_exist\n",
    "raising-activate": HELLO
    + "\n    def activate(self):\n        raise RuntimeError('boom in activate')\n",
    "raising-open": HELLO.replace("screen = Screen()", "raise ValueError('boom in open')"),
    "not-a-widget": HELLO.replace("return screen", "return 42"),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_plugin_gives_a_calm_screen_and_the_home_still_opens(
    kind, shell, make_plugin, qtbot, home
) -> None:
    make_plugin("hello", HELLO)
    make_plugin("broken", BROKEN[kind], name_en="Broken thing")
    window = shell([{"plugin": "broken"}, {"plugin": "hello"}])
    assert window.home.isVisible()

    tap_tile(qtbot, window, 0)

    assert calm_page_shown(window)
    assert not any("Traceback" in text or "Error" in text for text in visible_texts(window))
    problems = window.instance.report.problems()
    assert any(p.source == "plugin broken" and "Traceback" in p.detail for p in problems)
    log = (home / "logs" / "leling.log").read_text(encoding="utf-8")
    assert "plugin 'broken' failed" in log and "Traceback" in log
    # Back home, the tile now says it is unavailable, and the other plugin still works.
    qtbot.mouseClick(window.home_button, Qt.MouseButton.LeftButton)
    assert window.home.tile_buttons[0].unavailable
    tap_tile(qtbot, window, 1)
    assert isinstance(window.stack.currentWidget(), PluginFrame)


def test_a_bad_manifest_shows_a_calm_tile_from_the_start(shell, make_plugin, qtbot) -> None:
    folder = make_plugin("bad", HELLO)
    (folder / "manifest.toml").write_text('id = "bad"\nversion = "one"\n', encoding="utf-8")
    window = shell([{"plugin": "bad", "label": "Bad"}])
    button = window.home.tile_buttons[0]
    assert button.unavailable and "Not available right now" in button.note_label.text()
    tap_tile(qtbot, window, 0)
    assert calm_page_shown(window)
    assert any("field 'version'" in p.message for p in window.instance.report.problems())


RUNTIME_FAILURES = {
    "timer": """
from launcher.api import BigLabel, Plugin, Screen

class TestPlugin(Plugin):
    def create_screen(self):
        self.ticks = 0
        self.context.every(20, self.tick)
        screen = Screen()
        screen.add(BigLabel("ticking"))
        return screen

    def tick(self):
        self.ticks += 1
        if self.ticks == 2:
            raise RuntimeError("boom in timer")
""",
    "paint": """
from launcher.api import Canvas, Plugin

class Face(Canvas):
    def paint(self, painter, rect):
        raise RuntimeError("boom in paint")

class TestPlugin(Plugin):
    def create_screen(self):
        return Face()
""",
    "slot": """
from launcher.api import BigButton, Plugin, Screen

class TestPlugin(Plugin):
    def create_screen(self):
        screen = Screen()
        button = screen.add(BigButton("Press me"))
        button.setObjectName("pressMe")
        button.clicked.connect(self.pressed)
        return screen

    def pressed(self):
        raise RuntimeError("boom in a tap")
""",
}


@pytest.mark.qt_no_exception_capture
@pytest.mark.parametrize("kind", list(RUNTIME_FAILURES))
def test_a_plugin_failing_while_running_is_contained(kind, shell, make_plugin, qtbot) -> None:
    make_plugin("flaky", RUNTIME_FAILURES[kind])
    window = shell([{"plugin": "flaky"}])
    tap_tile(qtbot, window, 0)
    if kind == "slot":
        assert isinstance(window.stack.currentWidget(), PluginFrame)
        press = window.stack.currentWidget().findChild(QPushButton, "pressMe")
        qtbot.mouseClick(press, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: calm_page_shown(window))

    assert window.isVisible()
    assert any("boom in" in p.message for p in window.instance.report.problems())


def test_language_switches_at_runtime_without_a_restart(shell, make_plugin, qtbot) -> None:
    make_plugin("hello", HELLO)
    window = shell([{"plugin": "hello"}], locale="en")
    assert "Home" in window.home_button.text()
    assert window.home.tile_buttons[0].text() == "Test hello"

    window.set_locale("zh_CN")

    assert "主页" in window.home_button.text()
    assert window.help_button.text() == "帮帮我"
    assert window.home.tile_buttons[0].text() == "测试hello"
    assert SettingsStore(window.instance.profile_dir).load().settings["locale"] == "zh_CN"


def test_a_change_saved_by_another_process_is_applied_live(shell, make_plugin, qtbot) -> None:
    make_plugin("hello", HELLO)
    window = shell([{"plugin": "hello"}], locale="en")
    other = SettingsStore(window.instance.profile_dir)
    other.load()

    other.set("locale", "zh_CN")
    qtbot.waitUntil(lambda: "主页" in window.home_button.text(), timeout=5000)

    tiles = [*other.settings["tiles"], {"plugin": "hello", "label": "Second"}]
    other.set("tiles", tiles)
    qtbot.waitUntil(lambda: len(window.home.tile_buttons) == 2, timeout=5000)


def test_many_tiles_are_paged_with_big_arrows(shell, make_plugin, qtbot) -> None:
    make_plugin("hello", HELLO)
    window = shell([{"plugin": "hello", "label": f"T{n}"} for n in range(11)])
    assert len(window.home.tile_buttons) == 9
    assert window.home.pager.isVisible() and not window.home.previous.isEnabled()
    assert "Page 1 of 2" in window.home.page_label.text()

    qtbot.mouseClick(window.home.next, Qt.MouseButton.LeftButton)

    assert [b.text() for b in window.home.tile_buttons.values()] == ["T9", "T10"]
    assert window.home.previous.isEnabled() and not window.home.next.isEnabled()


def test_escape_goes_back_and_never_leaves_the_shell(shell, make_plugin, qtbot) -> None:
    make_plugin("hello", HELLO)
    window = shell([{"plugin": "hello"}])
    tap_tile(qtbot, window, 0)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.home
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.isVisible() and window.stack.currentWidget() is window.home


def test_help_me_shows_the_helpers_phone_numbers(shell, qtbot) -> None:
    contacts = [
        {
            "name": "Li Fang",
            "relation": {"en": "Daughter", "zh_CN": "女儿"},
            "phone": "139 0013 9000",
            "photo": "",
        }
    ]
    window = shell([], contacts=contacts, locale="en")
    qtbot.mouseClick(window.help_button, Qt.MouseButton.LeftButton)
    texts = visible_texts(window)
    assert "Help me" in texts
    assert any("Li Fang" in t and "Daughter" in t and "139 0013 9000" in t for t in texts)
    assert "There are no tiles here yet. Ask your family to add some." in json.dumps(
        [window.home.empty.text()], ensure_ascii=False
    )


def test_a_sideways_swipe_turns_the_page_without_opening_a_tile(shell, make_plugin, qtbot):
    make_plugin("hello", HELLO)
    window = shell([{"plugin": "hello", "label": f"T{n}"} for n in range(11)])
    first = window.home.tile_buttons[4]
    start = first.rect().center()
    qtbot.mousePress(first, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(first, start - QPoint(100, 0))
    qtbot.mouseRelease(first, Qt.MouseButton.LeftButton, pos=start - QPoint(200, 0))

    assert window.stack.currentWidget() is window.home
    assert "Page 2 of 2" in window.home.page_label.text()


@pytest.fixture
def fullscreen_shell(home: Path, qtbot: Any) -> Callable[..., ShellWindow]:
    """Starts a full-screen shell with ``settings``."""

    def start(**settings: Any) -> ShellWindow:
        return start_shell(home, qtbot, settings, windowed=False)

    return start


def test_closing_fullscreen_asks_first_and_no_keeps_the_shell(fullscreen_shell, qtbot) -> None:
    window = fullscreen_shell(locale="en")
    window.close()
    assert window.isVisible()
    confirm = window.stack.currentWidget()
    assert confirm.objectName() == "exitConfirm"
    assert window.focusWidget() is confirm.no_button, "for leaving, No holds the focus"
    qtbot.mouseClick(confirm.no_button, Qt.MouseButton.LeftButton)
    assert window.isVisible() and window.stack.currentWidget() is window.home

    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    confirm = window.stack.currentWidget()
    confirm.yes_button.click()
    assert not window.isVisible()


def test_with_a_helper_pin_only_the_right_pin_closes_leling(fullscreen_shell, qtbot) -> None:
    window = fullscreen_shell(locale="en", helper_pin="2468")
    window.close()
    pad = window.stack.currentWidget()
    assert pad.objectName() == "exitPin" and pad.masked
    for digit in "1111":
        qtbot.keyClick(pad, digit)
    qtbot.keyClick(pad, Qt.Key.Key_Return)
    assert window.isVisible()
    assert pad.prompt_label.text() == "Wrong PIN. Try again."
    assert pad.value == ""
    for digit in "2468":
        qtbot.keyClick(pad, digit)
    qtbot.keyClick(pad, Qt.Key.Key_Return)
    assert not window.isVisible()


def test_a_development_window_closes_at_once(shell, qtbot) -> None:
    window = shell([])
    window.close()
    assert not window.isVisible()


PRESS_ME = """
from launcher.api import BigButton, BigLabel, Plugin, Screen

class TestPlugin(Plugin):
    def create_screen(self):
        screen = Screen()
        self.status = screen.add(BigLabel("not pressed"))
        button = screen.add(BigButton("Press me"))
        button.setObjectName("pressMe")
        button.clicked.connect(lambda: self.status.setText("pressed"))
        return screen
"""


def test_the_second_tap_of_a_double_tap_does_not_press_the_new_screen(
    shell, make_plugin, qtbot
) -> None:
    from launcher.ui.kit import TouchPolicy, configure_touch

    now = [5000.0]
    make_plugin("presser", PRESS_ME)
    window = shell([{"plugin": "presser"}])
    configure_touch(TouchPolicy(clock=lambda: now[0]))
    tap_tile(qtbot, window, 0)
    button = window.stack.currentWidget().findChild(QPushButton, "pressMe")

    now[0] += 0.1
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert "not pressed" in visible_texts(window)

    now[0] += 0.5
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert "pressed" in visible_texts(window)


WORKER = """
import threading
from launcher.api import BigLabel, Plugin, Screen

class TestPlugin(Plugin):
    def activate(self):
        self.ticks = 0
        self.answers = []
        self.context.every(20, self.tick, background=True)

    def tick(self):
        self.ticks += 1

    def create_screen(self):
        screen = Screen()
        self.label = BigLabel("waiting")
        screen.add(self.label)
        ui = threading.get_ident()
        def fetch():
            return ("fetched", threading.get_ident() != ui)
        def shown(result):
            self.answers.append((result, threading.get_ident() == ui))
            self.label.setText("fetched")
        def failing():
            raise OSError("the server is away")
        self.context.run_in_background(fetch, shown)
        self.context.run_in_background(failing, shown, failed=lambda e: self.answers.append(str(e)))
        return screen
"""


def plugin_object(window: ShellWindow, index: int) -> Any:
    return window.host._objects[index][0]


def test_background_timers_and_work_off_the_ui_thread(shell, make_plugin, qtbot) -> None:
    manifest = make_plugin("worker", WORKER) / "manifest.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "permissions", "background = true\npermissions"
        ),
        encoding="utf-8",
    )
    window = shell([{"plugin": "worker"}, {"plugin": "clock"}])
    # Activated soon after start-up without being opened: its background timer runs.
    qtbot.waitUntil(lambda: 0 in window.host._objects, timeout=10_000)
    plugin = plugin_object(window, 0)
    qtbot.waitUntil(lambda: plugin.ticks >= 3)
    tap_tile(qtbot, window, 0)
    qtbot.waitUntil(lambda: len(plugin.answers) == 2)
    # The work ran on a worker thread; its answer came back on the UI thread.
    assert (("fetched", True), True) in plugin.answers
    assert "the server is away" in plugin.answers
    assert "fetched" in visible_texts(window)
    # Closing the screen leaves the background timer running.
    qtbot.mouseClick(window.home_button, Qt.MouseButton.LeftButton)
    ticks = plugin.ticks
    qtbot.waitUntil(lambda: plugin.ticks > ticks + 2)
    assert window.host.unavailable == {}


def test_background_work_that_fails_without_a_handler_is_contained(
    shell, make_plugin, qtbot
) -> None:
    code = HELLO.replace(
        "        return screen",
        "        self.context.run_in_background(lambda: 1 / 0, print)\n        return screen",
    )
    make_plugin("hello", code)
    window = shell([{"plugin": "hello"}])
    tap_tile(qtbot, window, 0)
    qtbot.waitUntil(lambda: calm_page_shown(window))
    assert window.host.unavailable == {"hello": "background"}
    problems = helper_problems(window)
    assert any("working in the background: division by zero" in p for p in problems)


CHOOSER = """
from launcher.api import ChoiceList, Plugin

class TestPlugin(Plugin):
    def create_screen(self):
        places = [(n, f"Destination number {n}, on the far side of the river") for n in range(6)]
        return ChoiceList("Where to?", places)
"""


def test_a_choice_list_in_a_plugin_screen_pages_to_fit_at_200_percent(
    shell, make_plugin, qtbot
) -> None:
    from launcher.api import ChoiceList

    make_plugin("chooser", CHOOSER)
    window = shell([{"plugin": "chooser"}], text_scale=200)
    tap_tile(qtbot, window, 0)
    frame = window.stack.currentWidget()
    choices = frame.content
    assert isinstance(choices, ChoiceList)
    viewport = frame.findChild(QScrollArea).viewport()

    def inside(widget: Any) -> bool:
        top_left = widget.mapTo(viewport, widget.rect().topLeft())
        return viewport.rect().contains(QRect(top_left, widget.size()))

    qtbot.waitUntil(lambda: choices.page_count() > 1)
    shown = [b for b in choices.choice_buttons if b.isVisible()]
    assert shown and all(inside(button) for button in shown), "no row is cut off"
    assert inside(choices.next_button), "Next is on screen, not scrolled away"


SLOW = """
import threading
from launcher.api import BigLabel, Plugin, Screen

GO = threading.Event()
ANSWERS = []

class TestPlugin(Plugin):
    def create_screen(self):
        self.context.run_in_background(GO.wait, ANSWERS.append)
        screen = Screen()
        screen.add(BigLabel("slow"))
        return screen
"""


def test_an_answer_for_a_plugin_that_closed_meanwhile_is_dropped(shell, make_plugin, qtbot) -> None:
    make_plugin("slow", SLOW)
    window = shell([{"plugin": "slow"}])
    tap_tile(qtbot, window, 0)
    module = sys.modules[type(plugin_object(window, 0)).__module__]
    window.host.shutdown()  # the plugin is turned off (as when the settings change)
    module.GO.set()
    # The worker finishes and its answer comes back; the closed plugin never sees it.
    qtbot.waitUntil(lambda: not any(t.name == "leling-slow" for t in threading.enumerate()))
    # Its answer was queued before the thread ended: delivering queued events now hands
    # it over, or (rightly) drops it.
    QApplication.processEvents()
    assert module.ANSWERS == []


EARLY = """
from launcher.api import BigLabel, Plugin, Screen

class TestPlugin(Plugin):
    def activate(self):
        self.answers = []
        self.context.run_in_background(lambda: "ready", self.answers.append)

    def create_screen(self):
        screen = Screen()
        screen.add(BigLabel("early"))
        return screen
"""


def test_work_started_in_activate_is_answered(shell, make_plugin, qtbot) -> None:
    make_plugin("early", EARLY)
    window = shell([{"plugin": "early"}])
    tap_tile(qtbot, window, 0)
    plugin = plugin_object(window, 0)
    qtbot.waitUntil(lambda: plugin.answers == ["ready"])


@pytest.mark.parametrize(
    ("scale", "locale"), [(100, "en"), (150, "zh_CN"), (200, "en"), (200, "ug")]
)
def test_a_home_of_several_pages_fits_the_screen_at_any_text_size(
    shell: Callable[..., ShellWindow], qtbot: Any, scale: int, locale: str
) -> None:
    names = ["Clock", "Family", "Video call", "Photos", "Medicines", "Taxi", "Hospital"]
    tiles = [{"plugin": "clock", "label": name} for name in names * 2]
    window = shell(tiles, text_scale=scale, locale=locale)
    home = window.home

    def problems() -> list[str]:
        """What a person would see wrong on the page as it is drawn now."""
        found = []
        if window.height() != 800:
            found.append("the window is pushed past the screen")
        if not (home.page_count() > 1 and home.pager.isVisible()):
            found.append("no page arrows")
        for button in home.tile_buttons.values():
            # Every tile keeps room for its whole name beside its icon.
            if button.height() < button.smallest_height(button.width()) - 1:
                found.append(f"{button.text()}: squeezed")
            if button.mapTo(home, button.rect().bottomLeft()).y() >= home.pager.y():
                found.append(f"{button.text()}: under the page arrows")
        return found

    # Laid out after the rows are chosen: the page may take a few turns to settle.
    qtbot.waitUntil(lambda: home.rows_shown == home.rows_that_fit() and not problems())
    assert problems() == []
    assert len(home.tile_buttons) == 3 * home.rows_shown
    # Paging still reaches every tile.
    seen = set(home.tile_buttons)
    for _ in range(home.page_count() - 1):
        qtbot.mouseClick(home.next, Qt.MouseButton.LeftButton)
        seen |= set(home.tile_buttons)
    assert seen == {tile.index for tile in window.tiles}
