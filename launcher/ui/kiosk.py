"""Kiosk lock: on a shared machine the visitor cannot leave or hide Leling.

With ``kiosk.enabled`` (a site setting, best locked) the window is fullscreen and stays
on top, and the keys that close, switch or hide windows are swallowed where Qt receives
them. Keys the window system takes before any application sees them (Ctrl+Alt+Del, the
Super key on some desktops, Alt+Tab under most window managers) must be turned off in the
session itself: see ``packaging/systemd`` (a session of Leling alone, no desktop) and
``packaging/windows-assigned-access.md``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent

_MODS = Qt.KeyboardModifier
_KEYS = Qt.Key

#: Keys that ask to close the window: they bring up the staff PIN instead.
_LEAVING: tuple[tuple[Qt.Key, Qt.KeyboardModifier], ...] = (
    (_KEYS.Key_F4, _MODS.AltModifier),
    (_KEYS.Key_F4, _MODS.ControlModifier),
    (_KEYS.Key_Q, _MODS.ControlModifier),
    (_KEYS.Key_W, _MODS.ControlModifier),
)
#: Keys that switch away from, or hide, the window: swallowed without a word.
_HIDING: tuple[tuple[Qt.Key, Qt.KeyboardModifier], ...] = (
    (_KEYS.Key_Tab, _MODS.AltModifier),
    (_KEYS.Key_Backtab, _MODS.AltModifier),
    (_KEYS.Key_Escape, _MODS.AltModifier),
    (_KEYS.Key_Escape, _MODS.ControlModifier),
    (_KEYS.Key_Space, _MODS.AltModifier),
    (_KEYS.Key_F11, _MODS.NoModifier),
)
_SUPER_KEYS = (_KEYS.Key_Meta, _KEYS.Key_Super_L, _KEYS.Key_Super_R, _KEYS.Key_Menu)


def _base_mods(event: QKeyEvent) -> Qt.KeyboardModifier:
    return event.modifiers() & ~(_MODS.KeypadModifier | _MODS.ShiftModifier)


def kiosk_key(event: QKeyEvent) -> str:
    """``leave``, ``hide`` or ``""``: what a key press would do to a kiosk."""
    key, mods = event.key(), _base_mods(event)
    if any(key == k and mods == m for k, m in _LEAVING):
        return "leave"
    if key in _SUPER_KEYS or mods & _MODS.MetaModifier:
        return "hide"
    if any(key == k and mods == m for k, m in _HIDING):
        return "hide"
    return ""


class KioskGuard(QObject):
    """An application-wide key filter for a kiosk. ``on_leave`` is called for a key that
    asks to close (it shows the staff PIN); ``swallowed`` lists what was kept back."""

    def __init__(self, on_leave: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.on_leave = on_leave
        self.swallowed: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            return False
        if not isinstance(event, QKeyEvent):
            return False
        what = kiosk_key(event)
        if not what:
            return False
        event.accept()
        if kind == QEvent.Type.KeyPress and not event.isAutoRepeat():
            self.swallowed.append(what)
            if what == "leave":
                self.on_leave()
        return True
