"""The daily "I'm OK" through the real shell, on a clock the test sets: a gentle prompt
when the senior has not touched Leling by the check-in time, a real mail (aiosmtpd on
127.0.0.1) to the family when nobody answers, and quiet when the senior was up."""

from __future__ import annotations

import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import (
    Mailbox,
    PluginClock,
    Said,
    helper_problems,
    mail_to,
    record_speech,
    start_shell,
    ticks_go_on,
)
from PySide6.QtCore import Qt

from launcher.ui.shell import ShellWindow

pytest.importorskip("apprise", reason="apprise is installed by packaging/dev.sh")

REPO = Path(__file__).resolve().parent.parent
WAIT_MS = 20_000
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def module(name: str) -> Any:
    """One of the check-in plugin's modules, as the shell imports it."""
    from launcher.core.manifest import parse_manifest
    from launcher.core.registry import import_entry

    entry = import_entry(parse_manifest(REPO / "plugins" / "checkin" / "manifest.toml"))
    package = entry.__module__.rpartition(".")[0]
    return sys.modules[f"{package}.{name}"]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> PluginClock:
    """The plugin's clock, moved by the test."""
    # Today on the machine's calendar, so a real touch in the test counts as today's.
    today = datetime.now(SHANGHAI).date()
    moment = PluginClock(datetime.combine(today, time(8, 0), tzinfo=SHANGHAI))
    monkeypatch.setattr(module("plugin"), "local_now", moment)
    monkeypatch.setattr(module("plugin"), "TICK_MS", 40)
    monkeypatch.setattr("launcher.ui.shell.BACKGROUND_START_MS", 40)
    return moment


def checkin_shell(home: Path, qtbot: Any, smtp_port: int | None) -> tuple[ShellWindow, Said]:
    """The shell with the check-in tile (10:00, 45 minutes' wait) and a clock; Wang Wei is
    mailed through the test mail server on ``smtp_port``, if there is one. Its plugin is
    running, and what it says is recorded."""
    contacts: list[dict[str, Any]] = [{"name": "Wang Wei", "emergency": True}]
    if smtp_port is not None:
        contacts[0]["alerts"] = [mail_to(smtp_port, "wei@family.test")]
    window = start_shell(
        home,
        qtbot,
        {
            "senior": {"name": "Wang Fang"},
            "contacts": contacts,
            "tiles": [
                {"plugin": "checkin", "config": {"time": "10:00", "wait_minutes": 45}},
                {"plugin": "clock"},
            ],
        },
        locale="en",
    )
    said = record_speech(window, still_speak=True)
    qtbot.waitUntil(lambda: 0 in window.host._objects, timeout=WAIT_MS)
    return window, said


def on_screen(window: ShellWindow) -> Any:
    """The plugin's screen on top, or the home page."""
    top = window.stack.currentWidget()
    return getattr(top, "content", top)


def test_no_touch_by_the_time_brings_a_spoken_prompt_and_then_alerts_the_family_once(
    home: Path, qtbot: Any, clock: PluginClock, mail: tuple[Mailbox, int]
) -> None:
    box, port = mail
    window, said = checkin_shell(home, qtbot, port)
    ticks_go_on(qtbot, clock)
    assert window.stack.currentWidget() is window.home, "nothing before the check-in time"

    clock.moment = clock.moment.replace(hour=10, minute=1)
    qtbot.waitUntil(lambda: on_screen(window).objectName() == "checkinPrompt", timeout=WAIT_MS)
    prompt = on_screen(window)
    assert prompt.title_label.text() == "Good morning!"
    assert prompt.button.text() == "I'm OK"
    assert prompt.button.height() >= 72
    assert "Good morning! Tap here to tell your family you are OK." in said

    clock.moment += timedelta(minutes=44)
    ticks_go_on(qtbot, clock)
    assert box.messages == [], "the family is not bothered before the wait is over"

    clock.moment += timedelta(minutes=2)
    qtbot.waitUntil(lambda: len(box.messages) == 1, timeout=WAIT_MS)
    [alert] = box.mails()
    assert alert["To"] == "wei@family.test"
    assert alert["Subject"] == "Wang Fang has not checked in today"
    body = alert.get_body(preferencelist=("plain",)).get_content()
    assert "did not answer the check-in at 10:01 within 45 minutes" in body

    clock.moment += timedelta(hours=3)
    ticks_go_on(qtbot, clock)
    assert len(box.messages) == 1, "one alert a day"


def test_tapping_im_ok_tells_the_family_and_nothing_more_is_sent(
    home: Path, qtbot: Any, clock: PluginClock, mail: tuple[Mailbox, int]
) -> None:
    box, port = mail
    window, said = checkin_shell(home, qtbot, port)
    clock.moment = clock.moment.replace(hour=15, minute=30)
    qtbot.waitUntil(lambda: on_screen(window).objectName() == "checkinPrompt", timeout=WAIT_MS)
    prompt = on_screen(window)
    assert prompt.title_label.text() == "Good afternoon!"

    qtbot.mouseClick(prompt.button, Qt.MouseButton.LeftButton)
    assert prompt.objectName() == "checkinTold"
    assert prompt.title_label.text() == "Your family has been told you are OK"
    assert not prompt.button.isVisible()
    assert said[-1] == "Your family has been told you are OK Thank you. Have a good day!"
    qtbot.waitUntil(lambda: len(box.messages) == 1, timeout=WAIT_MS)
    [told] = box.mails()
    assert told["Subject"] == "Wang Fang is OK"
    assert (
        'Wang Fang tapped "I\'m OK" on Leling at 15:30.'
        in told.get_body(preferencelist=("plain",)).get_content()
    )

    clock.moment += timedelta(hours=2)
    ticks_go_on(qtbot, clock)
    assert len(box.messages) == 1, "answered: no alert"

    # The tile says it was done today.
    window.go_home()
    window.open_tile(0)
    assert "Today you told them at 15:30." in on_screen(window).body_label.text()


def test_a_senior_up_and_about_before_the_time_hears_nothing_and_nobody_is_told(
    home: Path, qtbot: Any, clock: PluginClock, mail: tuple[Mailbox, int]
) -> None:
    box, port = mail
    window, _said = checkin_shell(home, qtbot, port)
    ticks_go_on(qtbot, clock)
    # A real touch on the home screen's header: the senior is up.
    qtbot.mouseClick(window.home, Qt.MouseButton.LeftButton)
    assert window.host.last_touch() is not None
    clock.moment = clock.moment.replace(hour=12)
    ticks_go_on(qtbot, clock)
    clock.moment = clock.moment.replace(hour=20)
    ticks_go_on(qtbot, clock)
    assert window.stack.currentWidget() is window.home
    assert box.messages == []


def test_a_touch_after_the_prompt_keeps_the_family_from_being_alerted(
    home: Path, qtbot: Any, clock: PluginClock, mail: tuple[Mailbox, int]
) -> None:
    box, port = mail
    window, _said = checkin_shell(home, qtbot, port)
    clock.moment = clock.moment.replace(hour=10, minute=30)
    qtbot.waitUntil(lambda: on_screen(window).objectName() == "checkinPrompt", timeout=WAIT_MS)
    # The senior goes Home instead of answering: still a sign of life.
    qtbot.mouseClick(window.home_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=WAIT_MS)
    clock.moment += timedelta(hours=2)
    ticks_go_on(qtbot, clock)
    assert box.messages == []
    assert window.stack.currentWidget() is window.home, "not asked again"


def test_after_a_restart_the_unanswered_prompt_returns_and_alerts_on_its_first_time(
    home: Path, qtbot: Any, clock: PluginClock, mail: tuple[Mailbox, int]
) -> None:
    box, port = mail
    first, _said = checkin_shell(home, qtbot, port)
    clock.moment = clock.moment.replace(hour=10, minute=5)
    qtbot.waitUntil(lambda: on_screen(first).objectName() == "checkinPrompt", timeout=WAIT_MS)
    first.close()

    clock.moment = clock.moment.replace(hour=10, minute=30)
    window, _said = checkin_shell(home, qtbot, port)
    qtbot.waitUntil(lambda: on_screen(window).objectName() == "checkinPrompt", timeout=WAIT_MS)
    assert box.messages == []
    # 45 minutes after the first prompt, not after the restart.
    clock.moment = clock.moment.replace(hour=10, minute=51)
    qtbot.waitUntil(lambda: len(box.messages) == 1, timeout=WAIT_MS)
    assert (
        "at 10:05 within 45 minutes"
        in box.mails()[0].get_body(preferencelist=("plain",)).get_content()
    )


def test_with_nobody_to_tell_the_senior_is_asked_to_phone_and_the_family_report_says_why(
    home: Path, qtbot: Any, clock: PluginClock
) -> None:
    window, _said = checkin_shell(home, qtbot, None)
    window.open_tile(0)
    view = on_screen(window)
    qtbot.mouseClick(view.button, Qt.MouseButton.LeftButton)
    assert view.title_label.text() == "Your family could not be told"
    assert "Please phone them" in view.body_label.text()
    problems = helper_problems(window)
    assert any("daily check-in has nobody to tell" in text for text in problems), problems


# -- the day's rules, on any clock -------------------------------------------------------


def test_rules_across_a_day_and_a_daylight_saving_change() -> None:
    rules = module("rules")
    at, wait = time(10, 0), timedelta(minutes=30)
    # The clocks went forward at 02:00 that night in Berlin.
    spring = datetime(2026, 3, 29, 9, 59, tzinfo=BERLIN)
    day = rules.Day(spring.date().isoformat())
    assert rules.next_step(day, spring, at, wait) == "quiet"
    ten = spring.replace(hour=10, minute=0)
    assert rules.check_time_on(ten.date(), at, ten).utcoffset() == timedelta(hours=2)
    assert rules.next_step(day, ten, at, wait) == "prompt"
    day.prompted = ten.isoformat()
    assert rules.next_step(day, ten + timedelta(minutes=29), at, wait) == "quiet"
    assert rules.next_step(day, ten + timedelta(minutes=30), at, wait) == "alert"
    rules.note_touch(day, ten + timedelta(minutes=5))
    assert rules.next_step(day, ten + timedelta(minutes=30), at, wait) == "quiet"
    # A touch on another day does not count for this one.
    other = rules.Day(spring.date().isoformat())
    rules.note_touch(other, spring - timedelta(days=1))
    assert other.touched is None
    # Yesterday's record or a damaged one starts the day afresh.
    assert rules.Day.load({"date": "2026-03-28", "alerted": "x"}, spring.date()).alerted is None
    assert rules.Day.load("garbage", spring.date()) == rules.Day("2026-03-29")
    kept = rules.Day.load({"date": "2026-03-29", "prompted": "not a time"}, spring.date())
    assert kept.prompted is None
