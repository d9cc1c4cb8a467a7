"""Kiosk lock: the shell stays on top, keys that leave are swallowed, and a watchdog
brings Leling back after a crash until staff leave it with the PIN."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from launcher.core.instance import open_instance
from launcher.ui.app import build_window
from launcher.ui.shell import ShellWindow
from launcher.watchdog import BACKOFF_SECONDS, leling_command, run_watchdog

#: Crashes with exit code 3, then is killed by a signal, then exits 0 (left with the PIN).
FLAKY_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    runs = Path(sys.argv[1])
    count = int(runs.read_text()) + 1 if runs.exists() else 1
    runs.write_text(str(count))
    if count == 1:
        sys.exit(3)
    if count == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    sys.exit(0)
    """
)


pytestmark = pytest.mark.usefixtures("restore_excepthook")


def test_the_watchdog_restarts_a_crashed_leling_with_backoff_and_stops_when_it_is_left(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    pauses: list[float] = []
    code = run_watchdog([sys.executable, "-c", FLAKY_CHILD, str(runs)], sleep=pauses.append)
    assert code == 0
    assert runs.read_text() == "3"
    assert pauses == [BACKOFF_SECONDS[0], BACKOFF_SECONDS[1]]


def test_the_watchdog_pauses_grow_and_start_over_after_a_healthy_run() -> None:
    codes = iter([1, 1, 1, 1, 0])
    times = iter([0, 1, 1, 2, 2, 500, 500, 501, 501, 502])
    pauses: list[float] = []
    assert (
        run_watchdog(
            ["leling"],
            run=lambda _cmd: next(codes),
            sleep=pauses.append,
            clock=lambda: float(next(times)),
        )
        == 0
    )
    # The third run lasted long enough to count as healthy: the pause starts over.
    assert pauses == [1, 2, 1, 2]


def test_the_watchdog_can_give_up_and_says_why_it_cannot_start(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_watchdog(["x"], run=lambda _c: -9, sleep=lambda _s: None, max_restarts=2) == -9
    assert "killed by signal 9" in capsys.readouterr().err

    def missing(_command: Any) -> int:
        raise FileNotFoundError("no such program: leling")

    assert run_watchdog(["leling"], run=missing) == 1
    assert "cannot start Leling" in capsys.readouterr().err


def test_the_watchdog_runs_leling_with_the_same_options_but_itself() -> None:
    command = leling_command(["--watchdog", "--home", "/srv/c", "--locale", "en"])
    assert command == [sys.executable, "-m", "launcher", "--home", "/srv/c", "--locale", "en"]


def test_leling_watchdog_stops_at_once_on_a_bad_command_line(home: Path) -> None:
    # A wrong value is refused by the child (exit 2); starting again would not help.
    result = subprocess.run(
        [sys.executable, "-m", "launcher", "--home", str(home), "--watchdog", "--scale", "7"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("--scale 7 is not a text size preset") == 1
    nonsense = subprocess.run(
        [sys.executable, "-m", "launcher", "--watchdog", "--no-such-option"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert nonsense.returncode == 2 and "Traceback" not in nonsense.stderr


@pytest.fixture
def kiosk_shell(home: Path, qtbot: Any) -> Callable[..., ShellWindow]:
    made: list[ShellWindow] = []

    def start(kiosk: bool = True, pin: str = "2468") -> ShellWindow:
        instance = open_instance(str(home), entry_points=False)
        instance.store.save(
            {**instance.settings, "kiosk": {"enabled": kiosk}, "helper_pin": pin}, "test"
        )
        window = build_window(instance, windowed=False)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield start
    for window in made:
        window.leave()
        window.deleteLater()


def _press(window: ShellWindow, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> bool:
    """Press a key as the window system would deliver it; True if it was swallowed."""
    target = QApplication.focusWidget() or window
    event = QKeyEvent(QEvent.Type.KeyPress, key, modifiers)
    QApplication.sendEvent(target, event)
    return window.kiosk is not None and bool(window.kiosk.swallowed)


def test_a_kiosk_shell_stays_on_top_and_swallows_the_keys_that_leave(
    kiosk_shell: Callable[..., ShellWindow],
) -> None:
    window = kiosk_shell()
    assert window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert window.kiosk is not None
    for key, mods in (
        (Qt.Key.Key_Tab, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Meta, Qt.KeyboardModifier.MetaModifier),
        (Qt.Key.Key_D, Qt.KeyboardModifier.MetaModifier),
        (Qt.Key.Key_Space, Qt.KeyboardModifier.AltModifier),
    ):
        _press(window, key, mods)
    assert window.kiosk.swallowed == ["hide"] * 5
    assert window.screen_kind().startswith("home") and window.isVisible()
    # Alt+F4 asks for the staff PIN instead of closing.
    _press(window, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    assert window.kiosk.swallowed[-1] == "leave"
    assert window.screen_kind() == "exit" and window.isVisible()
    window.go_home()
    _press(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert window.screen_kind() == "exit"
    # A closing request from the window system asks too.
    window.close()
    assert window.isVisible()
    # Ordinary keys still work: typing the PIN leaves.
    swallowed = len(window.kiosk.swallowed)
    pad = window.stack.currentWidget()
    for digit in "2468":
        QApplication.sendEvent(
            pad,
            QKeyEvent(
                QEvent.Type.KeyPress, Qt.Key(ord(digit)), Qt.KeyboardModifier.NoModifier, digit
            ),
        )
    QApplication.sendEvent(
        pad, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)
    )
    assert len(window.kiosk.swallowed) == swallowed
    assert not window.isVisible()


def test_without_kiosk_nothing_is_swallowed_and_the_window_is_not_on_top(
    kiosk_shell: Callable[..., ShellWindow],
) -> None:
    window = kiosk_shell(kiosk=False)
    assert window.kiosk is None
    assert not window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
