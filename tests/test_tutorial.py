"""Spoken step-by-step help: "Show me how" on a plugin's screen and the home-screen tour.

The senior follows along for real: the arrow points at the real control, their tap does
what it always does, and only then does the help move on. It never taps by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    CaughtLinks,
    catching_links,
    helper_problems,
    open_test_instance,
    save_test_settings,
    show_shell,
)
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget
from test_cli import leling

from launcher.core.manifest import ManifestError, parse_guide, parse_manifest
from launcher.speech.silent import SilentSpeaker
from launcher.ui.inspect import audit, format_audit, inspect_window
from launcher.ui.shell import PluginFrame, ShellWindow
from launcher.ui.tutorial import Tutorial, tour_seen

ROOT = Path(__file__).resolve().parent.parent
WAIT_MS = 5000

pytestmark = pytest.mark.usefixtures("restore_excepthook")


class Heard:
    """What the shell asked its voice to say, in order."""

    def __init__(self) -> None:
        self.texts: list[str] = []


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> Heard:
    record = Heard()

    class RecordingSpeaker(SilentSpeaker):
        def say(self, text: str, locale: str, interrupt: bool = True) -> int:
            record.texts.append(text)
            return super().say(text, locale, interrupt)

    def factory(settings: object) -> SilentSpeaker:
        speaker = RecordingSpeaker("tests run without sound")
        speaker.start()
        return speaker

    monkeypatch.setattr("launcher.ui.voice.default_speaker_factory", factory)
    return record


@pytest.fixture
def links() -> Iterator[CaughtLinks]:
    """Stands in for the phone and the browser: links the plugins open land here."""
    with catching_links("tel", "https", "http") as caught:
        yield caught


@pytest.fixture
def shell(home: Path, qtbot: Any, heard: Heard) -> Callable[..., ShellWindow]:
    """The demo profile's shell (its tiles, contacts, taxi places) with ``settings``."""

    def start(**settings: Any) -> ShellWindow:
        instance = open_test_instance(home)
        save_test_settings(instance, settings)
        instance.translator.set_locale(instance.effective_locale())
        return show_shell(qtbot, instance)

    return start


def on_shell(window: ShellWindow, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def running(window: ShellWindow) -> Tutorial:
    tutorial = window.tutorial
    assert tutorial is not None and tutorial.running
    return tutorial


def wait_for_step(qtbot: Any, window: ShellWindow, index: int) -> Tutorial:
    def shown() -> bool:
        tutorial = window.tutorial
        return (
            tutorial is not None
            and tutorial.index == index
            and tutorial.target is not None
            and tutorial.arrow.isVisible()
        )

    qtbot.waitUntil(shown, timeout=WAIT_MS)
    return running(window)


def settle() -> None:
    """Let every posted event run (no timers are waited for)."""
    for _ in range(5):
        QApplication.processEvents()


def tap(qtbot: Any, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def add_photos(window: ShellWindow, count: int) -> None:
    album = window.instance.profile_dir / "plugin-data" / "photos" / "album"
    album.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        image = QImage(64, 48, QImage.Format.Format_RGB32)
        image.fill(QColor("#3366AA" if number else "#AA6633"))
        image.save(str(album / f"{number:016x}.png"), "PNG")


#: For each built-in plugin with a guide: the steps the demo profile reaches by
#: following along (a step is tapped to reach the next), with what each needs first.
#: Booking's other steps need a FHIR server, the weather's a forecast, and the photos'
#: last one a family message; their arrows are placed by the same code.
REACHED = {
    "contacts": 2,
    "taxi": 3,
    "booking": 1,
    "sos": 2,
    "photos": 2,
    "videocall": 2,
    "clock": 3,
}


@pytest.mark.parametrize("scale", [100, 200])
@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_arrow_points_at_each_steps_real_control(
    shell, qtbot, links, locale: str, scale: int
) -> None:
    window = shell(locale=locale, text_scale=scale)
    add_photos(window, 2)
    for plugin_id, reached in REACHED.items():
        assert window.open_plugin(plugin_id)
        guide = window.tile_for_plugin(plugin_id).manifest.guide  # type: ignore[union-attr]
        assert window.show_how_button.isVisible(), plugin_id
        assert window.show_me_how() is not None, plugin_id
        for index in range(reached):
            tutorial = wait_for_step(qtbot, window, index)
            target = tutorial.target
            assert target is not None
            rect = on_shell(window, target)
            tip = tutorial.arrow_tip()
            assert rect.contains(tip), (plugin_id, index, rect, tip)
            assert tutorial.arrow.target_rect().intersects(rect)
            # The panel never hides Home, Back and "Help me".
            bar = window.findChild(QWidget, "bar")
            assert not tutorial.panel.geometry().intersects(on_shell(window, bar))
            if index + 1 < reached:
                if guide[index].advance == "next":
                    tap(qtbot, tutorial.panel.next_button)
                else:
                    tap(qtbot, target)
        running(window).stop()
        window.go_home()


def test_following_along_moves_on_only_when_the_senior_taps(shell, qtbot, links, heard) -> None:
    window = shell()
    window.open_plugin("contacts")
    tap(qtbot, window.show_how_button)
    tutorial = wait_for_step(qtbot, window, 0)
    screen = window.stack.currentWidget()
    assert isinstance(screen, PluginFrame)
    contacts = screen.content
    assert tutorial.target is contacts.cards[0]

    # Left alone, nothing happens: the help waits for the senior's own tap.
    for _ in range(20):
        settle()
    assert tutorial.index == 0 and contacts.detail is None
    assert window.stack.currentWidget() is screen and links.urls == []

    # The tap goes through the layer to the card, which does what it always does.
    tap(qtbot, contacts.cards[1])
    tutorial = wait_for_step(qtbot, window, 1)
    assert (
        contacts.detail is not None
        and contacts.detail.contact.name == contacts.cards[1].contact.name
    )
    assert tutorial.target is contacts.detail.call_button
    for _ in range(20):
        settle()
    assert links.urls == [], "the help never calls anyone by itself"

    tap(qtbot, contacts.detail.call_button)
    qtbot.waitUntil(lambda: window.tutorial is None, timeout=WAIT_MS)
    phone = contacts.cards[1].contact.phone
    assert links.urls == ["tel:" + "".join(ch for ch in phone if ch.isdigit())]
    assert window.show_how_button.isVisible(), "the help can be asked for again"


def test_each_step_is_said_aloud_and_can_be_said_again(shell, qtbot, heard) -> None:
    window = shell()
    window.open_plugin("clock")
    steps = window.tile_for_plugin("clock").manifest.guide  # type: ignore[union-attr]
    tap(qtbot, window.show_how_button)
    for index, step in enumerate(steps):
        tutorial = wait_for_step(qtbot, window, index)
        qtbot.waitUntil(lambda s=step: s.text("en") in heard.texts, timeout=WAIT_MS)
        if index == 0:
            said = len(heard.texts)
            tap(qtbot, tutorial.panel.repeat_button)
            assert heard.texts[said:].count(step.text("en")) == 1
        tap(qtbot, tutorial.panel.next_button)
    qtbot.waitUntil(lambda: window.tutorial is None, timeout=WAIT_MS)
    assert "That is all. Well done!" in heard.texts


def test_stop_ends_the_help_and_leaves_the_screen_as_it_is(shell, qtbot) -> None:
    window = shell()
    window.open_plugin("contacts")
    tutorial = window.show_me_how()
    assert tutorial is not None
    wait_for_step(qtbot, window, 0)
    panel, arrow = tutorial.panel, tutorial.arrow
    assert not window.show_how_button.isVisible()
    tap(qtbot, panel.stop_button)
    assert window.tutorial is None
    assert not panel.isVisible() and not arrow.isVisible()
    assert window.screen_kind() == "plugin:contacts"
    assert window.show_how_button.isVisible()


def test_going_home_ends_the_help_quietly(shell, qtbot) -> None:
    window = shell()
    window.open_plugin("contacts")
    assert window.show_me_how() is not None
    tap(qtbot, window.home_button)
    assert window.tutorial is None and window.screen_kind().startswith("home")


GUIDED = """
from launcher.api import BigButton, Plugin, Screen

class TestPlugin(Plugin):
    def create_screen(self):
        screen = Screen()
        self.first = BigButton("First")
        self.first.setObjectName("first")
        self.first.setAccessibleDescription("The first button")
        self.second = BigButton("Second")
        self.second.setObjectName("second")
        self.second.setAccessibleDescription("The second button")
        self.second.hide()
        self.first.clicked.connect(self.second.show)
        screen.add(self.first)
        screen.add(self.second)
        return screen
"""


def guided_manifest(plugin_id: str, steps: str) -> str:
    return f"""\
id = "{plugin_id}"
version = "1.0.0"
api = 1
entry = "plugin:TestPlugin"
category = "tools"

[name]
zh_CN = "测试"
zh_HK = "測試"
en = "Guided"
ug = "Guided"

[description]
zh_CN = "测试插件"
zh_HK = "測試插件"
en = "A plugin for tests"
ug = "A plugin for tests"
{steps}"""


def step(target: str, text: str, extra: str = "") -> str:
    return (
        f'\n[[guide]]\ntarget = "{target}"\n{extra}text = {{ zh_CN = "第{text}", en = "{text}" }}\n'
    )


def test_a_step_whose_control_is_missing_is_skipped_calmly(
    shell, make_plugin, qtbot, monkeypatch, caplog
) -> None:
    steps = step("nowhere", "Never shown") + step("first", "Tap first") + step("gone", "Gone too")
    steps += step("second", "Tap second")
    make_plugin("guided", GUIDED, manifest=guided_manifest("guided", steps))
    monkeypatch.setattr(Tutorial, "patience_ms", 50)
    window = shell(tiles=[{"plugin": "guided"}])
    window.open_plugin("guided")
    tutorial = window.show_me_how()
    assert tutorial is not None
    # The first step's control is not there: it is passed over, with a log line.
    tutorial = wait_for_step(qtbot, window, 1)
    assert tutorial.target is not None and tutorial.target.objectName() == "first"
    assert "'nowhere', which is not on screen; skipped" in caplog.text
    tap(qtbot, tutorial.target)
    # "gone" never appears after the tap: after a short wait it is skipped too.
    tutorial = wait_for_step(qtbot, window, 3)
    assert tutorial.target is not None and tutorial.target.objectName() == "second"
    assert "'gone', which did not appear; skipped" in caplog.text


def test_with_no_control_on_screen_the_help_says_so_and_ends(
    shell, make_plugin, qtbot, heard
) -> None:
    make_plugin("guided", GUIDED, manifest=guided_manifest("guided", step("nowhere", "Never")))
    window = shell(tiles=[{"plugin": "guided"}])
    window.open_plugin("guided")
    assert window.show_me_how() is None
    assert window.tutorial is None
    assert "There is nothing to show on this screen just now." in heard.texts


@pytest.mark.parametrize(
    ("steps", "where"),
    [
        (
            step("first", "ok") + '\n[[guide]]\ntarget = "first"\ntext = { zh_CN = "好" }\n',
            "guide step 2: field 'text.en' is missing or empty",
        ),
        (
            '\n[[guide]]\ntext = { zh_CN = "好", en = "ok" }\n',
            "guide step 1: field 'target' is missing",
        ),
        (
            step("first", "ok", 'advance = "later"\n'),
            "guide step 1: field 'advance' must be one of tap, next",
        ),
        (step("first", "ok", "colour = 1\n"), "guide step 1: unknown field 'colour'"),
        (step("*", "ok"), "guide step 1: field 'target' must name a widget"),
        ('\n[guide]\ntarget = "first"\n', "field 'guide' must be a list of [[guide]] tables"),
    ],
)
def test_a_malformed_guide_is_named_clearly_and_the_plugin_still_works(
    shell, make_plugin, qtbot, steps: str, where: str
) -> None:
    folder = make_plugin("guided", GUIDED, manifest=guided_manifest("guided", steps))
    manifest = parse_manifest(folder / "manifest.toml")
    assert manifest.guide == ()
    assert manifest.guide_problem.startswith(f"{folder / 'manifest.toml'}: {where}")
    window = shell(tiles=[{"plugin": "guided"}])
    window.open_plugin("guided")
    assert window.screen_kind() == "plugin:guided"
    assert not window.show_how_button.isVisible()
    assert window.show_me_how() is None
    problems = helper_problems(window)
    assert any(where in problem for problem in problems), problems


def test_parse_guide_refuses_an_overlong_step() -> None:
    with pytest.raises(ManifestError, match=r"x\.toml: guide step 1: field 'text\.en' is 201"):
        parse_guide([{"target": "a", "text": {"zh_CN": "好", "en": "x" * 201}}], "x.toml")


def test_every_built_in_guide_speaks_every_language() -> None:
    from launcher.core.i18n import SUPPORTED_LOCALES

    guided = 0
    for path in sorted((ROOT / "plugins").glob("*/manifest.toml")):
        manifest = parse_manifest(path)
        assert manifest.guide_problem == "", manifest.guide_problem
        for number, guide_step in enumerate(manifest.guide, start=1):
            missing = set(SUPPORTED_LOCALES) - set(guide_step.texts)
            assert not missing, f"{path}: guide step {number} lacks {sorted(missing)}"
        guided += bool(manifest.guide)
    assert guided >= 7


# -- the first-run tour ------------------------------------------------------------------


def test_the_home_tour_comes_once_for_a_new_profile_and_can_be_asked_for_again(
    home, qtbot, heard
) -> None:
    instance = open_test_instance(home)
    window = show_shell(qtbot, instance)
    assert window.tutorial is None, "a shell built in a test starts without the tour"
    assert not tour_seen(instance)

    assert window.offer_first_run_tour()
    tutorial = wait_for_step(qtbot, window, 0)
    assert tour_seen(instance)
    steps = tutorial.steps
    assert [s.target for s in steps[-4:]] == [
        "homeButton",
        "backButton",
        "readButton",
        "helpButton",
    ]
    for index, tour_step in enumerate(steps):
        tutorial = wait_for_step(qtbot, window, index)
        target = tutorial.target
        assert target is not None and target.objectName() == tour_step.target
        assert on_shell(window, target).contains(tutorial.arrow_tip())
        assert tour_step.text in heard.texts
        assert window.screen_kind() == "home page 1", "the tour never opens anything by itself"
        tap(qtbot, tutorial.panel.next_button)
    qtbot.waitUntil(lambda: window.tutorial is None, timeout=WAIT_MS)
    window.leave()

    # After a restart the same profile goes straight to its tiles.
    again = show_shell(qtbot, open_test_instance(home), wait_exposed=False)
    assert not again.offer_first_run_tour()
    assert again.tutorial is None

    # "Help me" → "Show me around" gives the tour again, on the home screen.
    tap(qtbot, again.help_button)
    around = again.findChild(QWidget, "showMeAround")
    assert around is not None
    tap(qtbot, around)
    tutorial = wait_for_step(qtbot, again, 0)
    assert again.screen_kind() == "home page 1"
    tap(qtbot, tutorial.panel.stop_button)
    assert again.tutorial is None


def test_the_tour_points_at_the_page_arrow_when_there_are_several_pages(shell, qtbot) -> None:
    tiles = [{"plugin": "clock"} for _ in range(12)]
    window = shell(tiles=tiles)
    tutorial = window.start_home_tour()
    assert tutorial is not None
    assert [s.target for s in tutorial.steps[:2]] == ["tile-0", "nextPage"]
    tap(qtbot, wait_for_step(qtbot, window, 0).panel.next_button)
    tutorial = wait_for_step(qtbot, window, 1)
    assert on_shell(window, window.home.next).contains(tutorial.arrow_tip())


# -- accessibility ------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["warm", "dark", "high-contrast"])
@pytest.mark.parametrize("scale", [100, 200])
def test_the_help_passes_the_audit(shell, qtbot, theme: str, scale: int) -> None:
    window = shell(theme=theme, text_scale=scale)
    window.open_plugin("contacts")
    settle()
    screens = {"show me how button": inspect_window(window)}
    window.show_me_how()
    wait_for_step(qtbot, window, 0)
    settle()
    screens["guide"] = inspect_window(window)
    running(window).stop()
    window.start_home_tour()
    wait_for_step(qtbot, window, 0)
    settle()
    screens["tour"] = inspect_window(window)
    for name, report in screens.items():
        results = audit(report)
        assert all(result.passed for result in results), f"{name}:\n{format_audit(results)}"
    names = {e.object_name for e in screens["guide"].walk()}
    assert {"tutorialText", "tutorialRepeat", "tutorialStop"} <= names
    assert "showMeHow" in {e.object_name for e in screens["show me how button"].walk()}


# -- looking at it from the command line ---------------------------------------------------


def test_inspect_shows_the_guide_following_taps_and_the_tour(home: Path, tmp_path: Path) -> None:
    result = leling(
        home,
        "inspect",
        "--open",
        "contacts",
        "--guide",
        "--tap",
        "李芳",
        "--locale",
        "en",
        "--audit",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tutorial arrow at" in result.stdout and "pointing at contactsCall" in result.stdout
    assert "Step 2 of 2" in result.stdout
    shot = tmp_path / "tour.png"
    result = leling(home, "screenshot", str(shot), "--tour", "--locale", "zh_CN", "--scale", "200")
    assert result.returncode == 0, result.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = leling(home, "screenshot", str(shot), "--help-screen", "--guide")
    assert (
        result.returncode == 2 and "--guide: the screen shown (help) has no guide" in result.stderr
    )
