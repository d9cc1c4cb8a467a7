"""A shared machine: each visitor on their own profile, a guest whose session is wiped,
and nothing of one visitor reachable from another's screen."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import record_speech
from PySide6.QtCore import Qt
from test_cli import leling, one_line_error

from launcher.core.errors import UsageError
from launcher.core.instance import Overrides
from launcher.core.paths import resolve_paths
from launcher.core.profiles import (
    GUEST_DIR,
    LOCKOUT_SECONDS,
    MAX_WRONG_PINS,
    PIN_TRIES_FILE,
    PinGuard,
    add_profile,
    list_profiles,
    open_lobby,
    start_screen_wanted,
)
from launcher.core.settings import SettingsStore
from launcher.ui.start import GUEST, ProfilePinPage, Sessions, StartPage

PLUGIN = """
from launcher.api import BigLabel, Plugin, Screen

class TestPlugin(Plugin):
    def create_screen(self):
        (self.context.data_dir / "notes.txt").write_text("mine", encoding="utf-8")
        screen = Screen()
        screen.add(BigLabel("Notes"))
        return screen
"""


pytestmark = pytest.mark.usefixtures("restore_excepthook")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _visitor(home: Path, name: str, shown: str, pin: str | None = None) -> None:
    add_profile(resolve_paths(str(home)), name, pin)
    store = SettingsStore(home / "profiles" / name)
    store.load()
    store.save(
        {
            **store.settings,
            "senior": {**store.settings["senior"], "name": shown},
            "tiles": [{"plugin": "notes"}],
        },
        "test visitor",
    )


@pytest.fixture
def sessions(home: Path, qtbot: Any, make_plugin: Callable[..., Path]) -> Iterator[Any]:
    make_plugin("notes", PLUGIN)
    _visitor(home, "wang", "王秀英", "1234")
    _visitor(home, "li", "Li Hua")
    made: list[Sessions] = []

    def start(**options: Any) -> Sessions:
        lobby = open_lobby(str(home), Overrides(locale="en"))
        desk = Sessions(lobby, windowed=True, **options)
        desk.window.resize(1280, 800)
        desk.window.show()
        qtbot.waitExposed(desk.window)
        made.append(desk)
        return desk

    yield start
    for desk in made:
        desk.end_all()
        desk.window.leave()
        desk.window.deleteLater()


def test_the_start_screen_shows_each_visitor_by_name_and_guest(sessions: Any) -> None:
    desk = sessions()
    page = desk.window.current()
    assert isinstance(page, StartPage)
    assert [tile.text() for tile in page.tiles.values()] == ["Li Hua", "王秀英", "Guest"]
    assert page.tiles["wang"].note_label.text() == "Needs a 4-digit PIN"


def test_choosing_a_visitor_opens_their_own_shell_and_finish_comes_back(
    sessions: Any, home: Path, qtbot: Any
) -> None:
    desk = sessions()
    qtbot.mouseClick(desk.window.start_page.tiles["li"], Qt.MouseButton.LeftButton)
    shell = desk.shell
    assert shell is not None and shell.instance.profile_dir == home / "profiles" / "li"
    assert shell.finish_button.isVisible() and not desk.window.isVisible()
    qtbot.mouseClick(shell.finish_button, Qt.MouseButton.LeftButton)
    assert desk.shell is None and desk.window.isVisible()
    assert isinstance(desk.window.current(), StartPage)


def test_each_visitor_reaches_only_their_own_data(sessions: Any, home: Path, qtbot: Any) -> None:
    """Plugin data, remote-help tokens, the outbox and the helper report all belong to the
    open profile; finishing closes the last visitor's plugins and remote help."""
    desk = sessions()
    li = desk.open_profile("li")
    li.open_plugin("notes")
    assert (home / "profiles" / "li" / "plugin-data" / "notes" / "notes.txt").is_file()
    li_plugins = li.host._objects
    assert li_plugins
    remote = li.start_remote(port=0)
    _helper, li_token = remote.api.book.add("Li's daughter")
    assert remote.api.book.check(li_token) is not None
    li.instance.report.add("test", "li's problem")
    desk.finish()
    assert not li_plugins, "the last visitor's plugin objects are dropped"
    thread = remote.server._thread
    assert thread is not None and not thread.is_alive(), "their remote help is stopped"

    wang = desk.open_profile("wang")
    assert wang.instance.profile_dir == home / "profiles" / "wang"
    assert not (home / "profiles" / "wang" / "plugin-data" / "notes").exists()
    wang.open_plugin("notes")
    assert (home / "profiles" / "wang" / "plugin-data" / "notes" / "notes.txt").is_file()
    wang_remote = wang.start_remote(port=0)
    assert wang_remote.api.book.check(li_token) is None, "a token of Li's works only for Li"
    assert wang_remote.api.book.helpers() == []
    assert all("li's problem" not in entry.message for entry in wang.instance.report.problems())
    assert wang.courier.outbox.db.path.parent == home / "profiles" / "wang"


def test_a_picture_pin_opens_the_profile_and_five_wrong_ones_lock_it_for_a_minute(
    sessions: Any, home: Path, qtbot: Any
) -> None:
    clock = FakeClock()
    desk = sessions(clock=clock, tick_ms=10)
    desk.choose("wang")
    page = desk.window.current()
    assert isinstance(page, ProfilePinPage) and desk.shell is None
    assert page.status == "王秀英, please enter your 4-digit PIN"
    for _ in range(MAX_WRONG_PINS - 1):
        page._check("0000")
    assert page.status == "Wrong PIN. 1 more tries." and page.pad.isEnabled()
    page._check("0000")
    assert not page.pad.isEnabled()
    assert page.status == f"Please wait {LOCKOUT_SECONDS} seconds"
    page._check("1234")  # the right PIN does not open a locked profile
    assert desk.shell is None
    clock.now += 30
    qtbot.waitUntil(lambda: page.status == "Please wait 30 seconds")
    clock.now += 30
    qtbot.waitUntil(lambda: page.pad.isEnabled())
    for digit in "1234":
        qtbot.mouseClick(page.pad.digit_buttons[digit], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.pad.ok_button, Qt.MouseButton.LeftButton)
    assert desk.shell is not None and desk.shell.instance.profile == "wang"


def test_pin_guard_counts_each_profile_apart(home: Path) -> None:
    paths = resolve_paths(str(home))
    a, b = add_profile(paths, "a", "1111"), add_profile(paths, "b", "2222")
    clock = FakeClock()
    guard = PinGuard(clock)
    for _ in range(MAX_WRONG_PINS):
        assert not guard.attempt(a, "9999")
    assert guard.seconds_left(a) == LOCKOUT_SECONDS and guard.seconds_left(b) == 0
    assert guard.attempt(b, "2222")
    assert not (a / "pin.json").read_text().count("1111"), "the PIN is stored hashed"


def test_a_lockout_and_the_wrong_tries_outlive_a_restart(home: Path) -> None:
    paths = resolve_paths(str(home))
    folder = add_profile(paths, "wang", "1234")
    clock = FakeClock()
    guard = PinGuard(clock)
    for _ in range(MAX_WRONG_PINS - 1):
        assert not guard.attempt(folder, "0000")
    # The machine is turned off and on: one try is left, not five.
    again = PinGuard(clock)
    assert again.tries_left(folder) == 1
    assert not again.attempt(folder, "0000")
    assert PinGuard(clock).seconds_left(folder) == LOCKOUT_SECONDS
    assert not PinGuard(clock).attempt(folder, "1234"), "locked even with the right PIN"
    # A clock set back by a day locks for one lockout, not a day.
    clock.now -= 86_400
    assert PinGuard(clock).seconds_left(folder) == LOCKOUT_SECONDS
    clock.now += LOCKOUT_SECONDS
    assert PinGuard(clock).attempt(folder, "1234")
    assert not (folder / PIN_TRIES_FILE).exists(), "a right PIN starts the count afresh"
    # A damaged count does not open the door: it locks for one lockout.
    (folder / PIN_TRIES_FILE).write_text("{not json")
    assert PinGuard(clock).seconds_left(folder) == LOCKOUT_SECONDS
    assert not PinGuard(clock).attempt(folder, "1234")
    clock.now += LOCKOUT_SECONDS
    assert PinGuard(clock).attempt(folder, "1234"), "and the lock ends like any other"


def test_a_guest_session_is_wiped_when_it_finishes(sessions: Any, home: Path) -> None:
    desk = sessions()
    shell = desk.start_guest()
    folder = shell.instance.profile_dir
    assert folder.parent == home / GUEST_DIR and shell.instance.is_guest
    shell.instance.store.set("contacts", [{"name": "A stranger", "phone": "123"}], reason="t")
    (folder / "plugin-data").mkdir(exist_ok=True)
    (folder / "plugin-data" / "download.pdf").write_bytes(b"%PDF")
    assert [p.name for p in list_profiles(resolve_paths(str(home)))] == ["li", "wang"]
    desk.finish()
    assert not folder.exists()
    assert list((home / GUEST_DIR).iterdir()) == []


def test_an_idle_guest_is_warned_aloud_then_wiped(sessions: Any, qtbot: Any) -> None:
    desk = sessions(guest_idle_ms=30, guest_warning_s=3, tick_ms=20)
    shell = desk.start_guest()
    said = record_speech(shell)
    folder = shell.instance.profile_dir
    qtbot.waitUntil(lambda: desk.warning is not None)
    assert desk.warning.objectName() == "guestWarning"
    assert said and said[-1].startswith("Are you still there? Nobody has touched")
    with qtbot.waitSignal(desk.session_ended, timeout=5000):
        pass
    assert desk.shell is None and not folder.exists() and desk.window.isVisible()


def test_im_still_here_keeps_the_guest_session(sessions: Any, qtbot: Any) -> None:
    desk = sessions(guest_idle_ms=30, guest_warning_s=600, tick_ms=1000)
    shell = desk.start_guest()
    qtbot.waitUntil(lambda: desk.warning is not None)
    qtbot.mouseClick(desk.warning.button, Qt.MouseButton.LeftButton)
    assert desk.warning is None and desk.shell is shell and shell.screen_kind().startswith("home")
    assert desk.idle_timer.isActive()


def test_a_guest_folder_left_by_a_crash_is_removed_at_start(sessions: Any, home: Path) -> None:
    leftover = home / GUEST_DIR / "guest-0123456789ab"
    (leftover / "plugin-data").mkdir(parents=True)
    (leftover / "settings.json").write_text("{}")
    sessions()
    assert not leftover.exists()


def test_the_start_screen_is_wanted_with_several_profiles_or_by_the_site(home: Path) -> None:
    paths = resolve_paths(str(home))
    add_profile(paths, "one")
    assert not start_screen_wanted(paths, {})
    assert start_screen_wanted(paths, {"profiles": {"start_screen": True}})
    add_profile(paths, "two")
    assert start_screen_wanted(paths, {})
    with pytest.raises(UsageError, match="already exists"):
        add_profile(paths, "two")


def test_admin_manages_profiles_from_the_command_line(home: Path) -> None:
    assert leling(home, "profiles", "add", "wang", "--pin", "1234").returncode == 0
    assert leling(home, "profiles", "add", "li").returncode == 0
    listed = leling(home, "profiles", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {"name": "li", "shown_name": "li", "pin": False},
        {"name": "wang", "shown_name": "wang", "pin": True},
    ]
    one_line_error(leling(home, "profiles", "add", "wang"), 2, "'wang' already exists")
    one_line_error(leling(home, "profiles", "add", "x", "--pin", "12"), 2, "exactly 4 digits")
    one_line_error(leling(home, "profiles", "add", "../x"), 2, "profile name '../x'")
    one_line_error(leling(home, "profiles", "remove", "li"), 2, "--yes")
    assert (home / "profiles" / "li").is_dir()
    one_line_error(leling(home, "profiles", "remove", "zhao", "--yes"), 2, "no profile 'zhao'")
    assert leling(home, "profiles", "remove", "li", "--yes").returncode == 0
    assert not (home / "profiles" / "li").exists()


def test_guest_tile_can_be_turned_off_by_the_site(home: Path, qtbot: Any, tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text("[settings]\nprofiles = { start_screen = true, guest = false }\n")
    add_profile(resolve_paths(str(home)), "li")
    lobby = open_lobby(str(home), Overrides(locale="en"), site=site)
    assert start_screen_wanted(lobby.paths, lobby.settings)
    page = StartPage(lobby)
    qtbot.addWidget(page)
    assert list(page.tiles) == ["li"] and GUEST not in page.tiles
