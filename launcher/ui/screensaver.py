"""The screensaver: after ``screensaver.minutes`` without a touch or key on the home
screen, a plugin's screensaver (the family's photos with a big clock) covers the window;
the next touch or key takes it away and does nothing else."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from launcher.ui.host import TileSpec
    from launcher.ui.shell import ShellWindow

log = logging.getLogger("leling.ui")

#: Plugins asked for a screensaver, in this order; the first with a tile is used.
SCREENSAVER_PLUGINS = ("photos",)

#: Input that means somebody is there.
_ACTIVITY = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.KeyPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
}
#: Input that takes the screensaver away (a mouse that drifts does not).
_ENDING = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.Wheel,
    QEvent.Type.KeyPress,
    QEvent.Type.TouchBegin,
}
_RELEASES = {QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd, QEvent.Type.KeyRelease}


class Screensaver(QObject):
    """Watches for idle time while the shell is at home and shows the screensaver.

    It is made only when ``screensaver.enabled`` is on, and imports no plugin until the
    idle time has passed. ``minute_ms`` is how long one idle minute lasts (tests shorten
    it).
    """

    minute_ms = 60_000

    def __init__(self, shell: ShellWindow) -> None:
        super().__init__(shell)
        self.shell = shell
        self.overlay: QWidget | None = None
        self._tile: TileSpec | None = None
        self._enabled = False
        self._swallow_release = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        shell.screen_changed.connect(lambda _title: self._screen_changed())
        shell.host.failed.connect(lambda _index: self.end())

    @property
    def active(self) -> bool:
        return self.overlay is not None

    def configure(self) -> None:
        """Follow ``screensaver.enabled`` and ``screensaver.minutes`` from the settings."""
        chosen = self.shell.instance.settings.get("screensaver", {})
        self._enabled = bool(chosen.get("enabled", False))
        minutes = max(1, min(120, int(chosen.get("minutes", 10))))
        self._timer.setInterval(minutes * self.minute_ms)
        if self._enabled:
            self._timer.start()
        else:
            self._timer.stop()
            self.end()

    def _screen_changed(self) -> None:
        # Something came up by itself (a family message): it is shown, not hidden.
        if self.overlay is not None:
            self.end()
        elif self._enabled:
            self._timer.start()

    def _idle(self) -> None:
        shell = self.shell
        if not self._enabled or self.overlay is not None:
            return
        if shell.stack.currentWidget() is not shell.home or shell.banner is not None:
            # Only on the home screen, and never while a relative helps on the screen.
            self._timer.start()
            return
        tile = next((t for name in SCREENSAVER_PLUGINS if (t := shell.tile_for_plugin(name))), None)
        if tile is None:
            return
        screen = shell.host.screensaver(tile)
        if screen is None:
            return
        self._tile = tile
        overlay = QWidget(shell)
        overlay.setObjectName("screensaver")
        overlay.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(overlay)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(screen)
        overlay.setGeometry(shell.rect())
        overlay.show()
        overlay.raise_()
        self.overlay = overlay
        log.info("screensaver on")

    def end(self) -> None:
        """Take the screensaver away (the home screen is under it) and start counting again."""
        overlay, self.overlay = self.overlay, None
        if overlay is not None:
            if self._tile is not None:
                self.shell.host.close(self._tile)
            overlay.hide()
            overlay.deleteLater()
            log.info("screensaver off")
        self._tile = None
        if self._enabled:
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self.overlay is not None:
            if kind in _ENDING:
                self.end()
                # The touch that wakes the screen does nothing else, nor does its release.
                self._swallow_release = True
                return True
            if watched is self.shell and kind == QEvent.Type.Resize:
                self.overlay.setGeometry(self.shell.rect())
            return False
        if self._swallow_release and kind in _RELEASES:
            self._swallow_release = False
            return True
        if kind in _ACTIVITY and self._enabled:
            self._timer.start()
        return False
