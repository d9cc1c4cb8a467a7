"""Starting the Qt application: the shell on screen, or one screen of it offscreen."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, QtMsgType, Slot, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from launcher.core.errors import LelingError, UsageError
from launcher.core.instance import Instance
from launcher.ui.shell import ShellWindow, install_exception_hook

if TYPE_CHECKING:
    # Named only in annotations: a PySide6 class costs its enums when it is first named,
    # and the shell's start does not need these.
    from PySide6.QtCore import QMessageLogContext, QUrl


def _application(offscreen: bool = False) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif not os.environ.get("QT_QPA_PLATFORM") and sys.platform.startswith("linux"):
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            raise LelingError(
                "no screen found (DISPLAY and WAYLAND_DISPLAY are unset); run Leling on a "
                "desktop, under xvfb-run, or use 'leling screenshot FILE.png'"
            )
    qInstallMessageHandler(_qt_message_to_log)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Leling")
    app.setOrganizationName("Leling")
    app.setDesktopFileName("leling")
    return app


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message_to_log(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's own messages go to the log file; the terminal stays for the person's errors."""
    logging.getLogger("leling.qt").log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)


class _LinkSink(QObject):
    """Receives links a plugin opens while a screen is rendered offscreen."""

    @Slot("QUrl")
    def open(self, url: QUrl) -> None:
        logging.getLogger("leling.ui").info("offscreen: not opening %s", url.toString())


class _FirstPaint(QObject):
    """Quits the application right after the window's first paint (start-up benchmark).

    The window's children paint after it in the same pass, so when the event loop comes
    back the first frame is whole: then the CLOCK_MONOTONIC time goes to stdout, for the
    benchmark to measure start to first frame apart from the time the exit takes.
    """

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._seen:
            self._seen = True
            QTimer.singleShot(0, _first_frame_done)
        return False


def _first_frame_done() -> None:
    import time

    print(time.clock_gettime(time.CLOCK_MONOTONIC), flush=True)
    QApplication.quit()


def build_window(instance: Instance, *, windowed: bool) -> ShellWindow:
    window = ShellWindow(instance, windowed=windowed)
    install_exception_hook(window)
    return window


def run_shell(
    instance: Instance,
    *,
    windowed: bool,
    exit_after_first_paint: bool = False,
    remote_port: int | None = None,
    remote_bind: str | None = None,
    remote_broker: str | None = None,
) -> int:
    """Run the shell until it is left. ``remote_port`` (a local admin's ``--remote-port``)
    or ``remote_broker`` (``--remote-broker``) turns remote help on for this run;
    otherwise it runs if the profile has it on."""
    app = _application()
    window = build_window(instance, windowed=windowed)
    wanted = (
        remote_port is not None
        or remote_broker is not None
        or instance.settings.get("remote", {}).get("enabled", False)
    )
    if wanted:
        # After the first paint: the senior's screen comes first.
        QTimer.singleShot(
            0, lambda: window.start_remote_quietly(remote_port, remote_bind, remote_broker)
        )
    if exit_after_first_paint:
        first_paint = _FirstPaint(window)
        window.installEventFilter(first_paint)
    else:
        # The first start of a profile: a short spoken tour of the home screen, once the
        # window is up. Only here, in a real run: screenshots and tests never get it.
        QTimer.singleShot(0, window.offer_first_run_tour)
    if windowed:
        window.resize(1280, 800)
        window.show()
    else:
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            # Without a window manager showFullScreen() keeps the size hint; set it first.
            window.setGeometry(screen.geometry())
        window.showFullScreen()
    return int(app.exec())


#: Links of these kinds are caught while a screen is rendered offscreen.
_SUNK_SCHEMES = ("http", "https", "tel", "mailto")


@dataclass(frozen=True)
class ScreenChoice:
    """Which screen to render offscreen: the home screen (one of its pages), a tile, the
    first tile of a plugin, or "Help me". At most one of them; none means home page 1.

    ``tile`` and ``page`` count from 1, as the person giving the command counts.
    """

    tile: int | None = None
    plugin: str | None = None
    page: int | None = None
    help_screen: bool = False


def check_choice(instance: Instance, choice: ScreenChoice) -> None:
    """Refuse a choice the profile cannot show, in one sentence, before anything is drawn."""
    tiles = instance.settings.get("tiles", [])
    if choice.tile is not None and not 1 <= choice.tile <= len(tiles):
        raise UsageError(
            f"--tile {choice.tile}: the profile has {len(tiles)} tile(s); choose 1 to {len(tiles)}"
        )
    if choice.plugin is not None:
        used = list(dict.fromkeys(str(tile.get("plugin", "")) for tile in tiles))
        if choice.plugin not in used:
            listed = ", ".join(used) if used else "none (the profile has no tiles)"
            raise UsageError(
                f"--open {choice.plugin}: no tile of the profile uses plugin "
                f"{choice.plugin!r}; its tiles use: {listed}"
            )


def settle() -> None:
    """Let layouts, resizes and deferred work run so the screen looks as it will stay."""
    for _ in range(3):
        QApplication.processEvents()
        # Widgets a rebuild let go of (the previous page's tiles) are only deleted when an
        # event loop gets to them; until then they would still be drawn and listed.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _show_choice(window: ShellWindow, choice: ScreenChoice) -> None:
    if choice.page is not None:
        pages = window.home.page_count()
        if not 1 <= choice.page <= pages:
            raise UsageError(
                f"--page {choice.page}: the home screen has {pages} page(s); choose 1 to {pages}"
            )
        window.show_page(choice.page)
    if choice.tile is not None:
        window.open_tile(choice.tile - 1)
    if choice.plugin is not None:
        window.open_plugin(choice.plugin)
    if choice.help_screen:
        window.show_help()


@contextmanager
def offscreen_shell(
    instance: Instance, choice: ScreenChoice, *, width: int, height: int
) -> Iterator[ShellWindow]:
    """The shell at ``width``×``height`` on the offscreen platform, showing ``choice``.

    Screenshots and the accessibility inspector both look at the window this gives, so
    they see the same screen. Links a plugin opens meanwhile are noted, never opened:
    looking at a screen must not start a browser or a phone call.
    """
    from PySide6.QtGui import QDesktopServices

    check_choice(instance, choice)
    app = _application(offscreen=True)
    sink = _LinkSink(app)
    for scheme in _SUNK_SCHEMES:
        QDesktopServices.setUrlHandler(scheme, sink, "open")  # type: ignore[arg-type]
    # The window sets the application's style sheet and font and chains its exception
    # hook onto the current one. All three are put back after, so that rendering screens
    # in a process (tests, a helper tool) leaves it as it was.
    previous_hook = sys.excepthook
    previous_style = app.styleSheet()
    previous_font = app.font()
    window: ShellWindow | None = None
    try:
        window = build_window(instance, windowed=True)
        window.resize(width, height)
        window.show()
        app.processEvents()
        _show_choice(window, choice)
        settle()
        yield window
    finally:
        if window is not None:
            window.leave()  # leave() closes even a fullscreen shell
            window.deleteLater()
        sink.deleteLater()
        for scheme in _SUNK_SCHEMES:
            QDesktopServices.unsetUrlHandler(scheme)
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        sys.excepthook = previous_hook
        app.setStyleSheet(previous_style)
        app.setFont(previous_font)


def save_png(window: ShellWindow, output: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(output), "PNG"):
        raise LelingError(f"{output}: cannot write the PNG file")
    return output


def take_screenshot(
    instance: Instance,
    output: Path,
    *,
    width: int,
    height: int,
    open_tile: int | None = None,
    show_help: bool = False,
    choice: ScreenChoice | None = None,
) -> Path:
    """Render the shell offscreen at ``width``×``height`` and save it as a PNG."""
    choice = choice or ScreenChoice(tile=open_tile, help_screen=show_help)
    with offscreen_shell(instance, choice, width=width, height=height) as window:
        return save_png(window, output)
