"""Starting the Qt application: the shell on screen, or a screenshot offscreen."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QMessageLogContext,
    QObject,
    QTimer,
    QtMsgType,
    QUrl,
    Slot,
    qInstallMessageHandler,
)
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication

from launcher.core.errors import LelingError, UsageError
from launcher.core.instance import Instance
from launcher.ui.shell import ShellWindow, install_exception_hook


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
    """Receives links a plugin opens while a screenshot is taken."""

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        logging.getLogger("leling.ui").info("screenshot: not opening %s", url.toString())


class _FirstPaint(QObject):
    """Quits the application right after the window's first paint (start-up benchmark)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, QApplication.quit)
        return False


def build_window(instance: Instance, *, windowed: bool) -> ShellWindow:
    window = ShellWindow(instance, windowed=windowed)
    window.apply_appearance()
    install_exception_hook(window)
    return window


def run_shell(instance: Instance, *, windowed: bool, exit_after_first_paint: bool = False) -> int:
    app = _application()
    window = build_window(instance, windowed=windowed)
    if exit_after_first_paint:
        first_paint = _FirstPaint(window)
        window.installEventFilter(first_paint)
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


def take_screenshot(
    instance: Instance,
    output: Path,
    *,
    width: int,
    height: int,
    open_tile: int | None,
    show_help: bool = False,
) -> Path:
    """Render the shell offscreen at ``width``×``height`` and save it as a PNG."""
    tile_count = len(instance.settings.get("tiles", []))
    if open_tile is not None and not 1 <= open_tile <= tile_count:
        raise UsageError(
            f"--tile {open_tile}: the profile has {tile_count} tile(s); choose 1 to {tile_count}"
        )
    app = _application(offscreen=True)
    # A picture must not start a browser or a phone call: links are noted, not opened.
    sink = _LinkSink(app)
    for scheme in ("http", "https", "tel", "mailto"):
        QDesktopServices.setUrlHandler(scheme, sink, "open")  # type: ignore[arg-type]
    window = build_window(instance, windowed=True)
    window.resize(width, height)
    window.show()
    app.processEvents()
    if open_tile is not None:
        window.open_tile(open_tile - 1)
    if show_help:
        window.show_help()
    for _ in range(3):
        app.processEvents()
    output.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(output), "PNG"):
        raise LelingError(f"{output}: cannot write the PNG file")
    window.close()
    return output
