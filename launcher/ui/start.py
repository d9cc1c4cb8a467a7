"""The start screen of a shared machine: one big picture per visitor, and Guest.

A visitor taps their picture (and types their picture PIN, if they have one) and gets
their own shell, on their own profile; "Finish" in the bar brings the start screen back.
A guest gets a fresh profile in a folder of its own, which is wiped when the session
ends: by "Finish", or after some minutes untouched, once a spoken warning went
unanswered. Only one profile's shell exists at a time, so no screen, plugin or remote
helper of one visitor is left running while another uses the machine.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QIcon,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPixmap,
)
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from launcher.core.i18n import is_rtl
from launcher.core.instance import Instance
from launcher.core.profiles import (
    Lobby,
    PinGuard,
    VisitorProfile,
    new_guest_folder,
    wipe_guest,
    wipe_leftover_guests,
)
from launcher.ui.host import ActivityWatch
from launcher.ui.kit import (
    BigButton,
    BigLabel,
    NumberPad,
    Screen,
    TileButton,
    _ScrollingText,
    _tighten,
    add_touch_listener,
    quiet_after_screen_change,
    remove_touch_listener,
    set_translator,
)
from launcher.ui.shell import clock_header, leave_question, show_now, word_page_arrows
from launcher.ui.style import apply_theme
from launcher.ui.voice import ShellVoice

log = logging.getLogger("leling.ui")

GUEST = "\0guest"
#: Dark enough for white initials at 7:1 and more.
_AVATAR_COLOURS = ("#1F4E79", "#7B2D26", "#2E5E2A", "#5B2A6E", "#7A4A00", "#00545C")


def avatar_icon(name: str, photo: Path | None, side: int = 256) -> QIcon:
    """A round photo, or the first character of the name on a colour of its own."""
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    circle = QRectF(0, 0, side, side)
    picture = QPixmap(str(photo)) if photo is not None else QPixmap()
    if not picture.isNull():
        clip = QPainterPath()
        clip.addEllipse(circle)
        painter.setClipPath(clip)
        scaled = picture.scaled(
            side,
            side,
            Qt.AspectRatioMode.KeepAspectRatioByExpanding,
            Qt.TransformationMode.SmoothTransformation,
        )
        painter.drawPixmap((side - scaled.width()) // 2, (side - scaled.height()) // 2, scaled)
    else:
        colour = _AVATAR_COLOURS[zlib.crc32(name.encode("utf-8")) % len(_AVATAR_COLOURS)]
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawEllipse(circle)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(side * 0.48))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(circle, int(Qt.AlignmentFlag.AlignCenter), name.strip()[:1].upper())
    painter.end()
    return QIcon(pixmap)


def _guest_icon(side: int = 256) -> QIcon:
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#4A4A4A"))
    painter.drawEllipse(QRectF(0, 0, side, side))
    painter.setBrush(QColor("white"))
    painter.drawEllipse(QRectF(side * 0.34, side * 0.16, side * 0.32, side * 0.32))
    painter.drawPie(QRectF(side * 0.2, side * 0.52, side * 0.6, side * 0.6), 0, 180 * 16)
    painter.end()
    return QIcon(pixmap)


class StartPage(Screen):
    """Who is using Leling? One big picture per visitor, then Guest; pages when many."""

    chosen = Signal(str)

    COLUMNS = 3
    ROWS = 2

    def __init__(self, lobby: Lobby) -> None:
        super().__init__()
        self.lobby = lobby
        self.page = 0
        self.tiles: dict[str, TileButton] = {}
        tr = lobby.translator.tr
        self.title = BigLabel(tr("start.title"), role="title")
        self.title.setObjectName("screenTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.add(self.title)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(24)
        self.add(self.grid_host, 1)
        self.previous = BigButton()
        self.previous.setObjectName("previousPage")
        self.next = BigButton()
        self.next.setObjectName("nextPage")
        self.previous.clicked.connect(lambda: self.turn(-1))
        self.next.clicked.connect(lambda: self.turn(1))
        self.pager = self.add_row(self.previous, self.next)
        self.rebuild()

    def entries(self) -> list[tuple[str, VisitorProfile | None]]:
        shown: list[tuple[str, VisitorProfile | None]] = [
            (profile.name, profile) for profile in self.lobby.profiles()
        ]
        if self.lobby.guest_offered():
            shown.append((GUEST, None))
        return shown

    def page_count(self) -> int:
        per_page = self.COLUMNS * self.ROWS
        return max(1, -(-len(self.entries()) // per_page))

    def turn(self, step: int) -> None:
        self.page = max(0, min(self.page_count() - 1, self.page + step))
        self.rebuild()

    def rebuild(self) -> None:
        tr = self.lobby.translator.tr
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.tiles.clear()
        per_page = self.COLUMNS * self.ROWS
        entries = self.entries()
        self.page = min(self.page, self.page_count() - 1)
        shown = entries[self.page * per_page : (self.page + 1) * per_page]
        columns = min(self.COLUMNS, max(1, len(shown)))
        for position, (key, profile) in enumerate(shown):
            if profile is None:
                button = TileButton(tr("start.guest"), _guest_icon())
                button.setObjectName("startGuest")
                button.setAccessibleDescription(tr("start.guest.describe"))
            else:
                icon = avatar_icon(profile.shown_name, profile.photo)
                button = TileButton(profile.shown_name, icon)
                button.setObjectName(f"startProfile-{profile.name}")
                # Heard in the screen's language even when the name is in another script.
                button.setAccessibleName(tr("start.profile.name", name=profile.shown_name))
                described = tr("start.profile.describe", name=profile.shown_name)
                if profile.has_pin:
                    button.set_note(tr("start.profile.pin"))
                    described = f"{described}. {tr('start.profile.pin')}"
                button.setAccessibleDescription(described)
            button.clicked.connect(lambda _=False, k=key: self.chosen.emit(k))
            self.grid.addWidget(button, position // columns, position % columns)
            self.tiles[key] = button
        for column in range(self.COLUMNS):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)
        pages = self.page_count()
        self.pager.setVisible(pages > 1)
        word_page_arrows(self.previous, self.next, tr, self.page, pages)


class ProfilePinPage(Screen):
    """The visitor's picture PIN on a big pad. Five wrong ones in a row lock the profile
    for a minute; the wait is said, and shown counting down."""

    opened = Signal(str)

    def __init__(
        self,
        lobby: Lobby,
        profile: VisitorProfile,
        guard: PinGuard,
        say: Callable[[str], None],
        *,
        tick_ms: int = 1000,
    ) -> None:
        super().__init__()
        tr = lobby.translator.tr
        self.lobby = lobby
        self.profile = profile
        self.guard = guard
        self.say = say
        self.pad = NumberPad(
            digits=4, masked=True, prompt=tr("pin.prompt", name=profile.shown_name)
        )
        self.pad.setObjectName("profilePin")
        self.pad.entered.connect(self._check)
        _tighten(self)
        self.add(self.pad, 1)
        self.prompt = tr("pin.prompt", name=profile.shown_name)
        self.countdown = QTimer(self)
        self.countdown.setInterval(tick_ms)
        self.countdown.timeout.connect(self._show_lock)
        self._show_lock()

    @property
    def locked(self) -> bool:
        return self.guard.seconds_left(self.profile.folder) > 0

    def _check(self, entered: str) -> None:
        tr = self.lobby.translator.tr
        self.pad.clear()
        if self.guard.attempt(self.profile.folder, entered):
            self.opened.emit(self.profile.name)
            return
        if self.locked:
            self._show_lock()
            wait = tr("pin.locked", seconds=self.guard.seconds_left(self.profile.folder))
            self.say(f"{tr('pin.too_many')} {wait}")
            return
        left = self.guard.tries_left(self.profile.folder)
        message = tr("pin.wrong", left=left)
        self.set_status(message)
        self.say(message)

    def _show_lock(self) -> None:
        seconds = self.guard.seconds_left(self.profile.folder)
        self.pad.setEnabled(seconds == 0)
        if seconds:
            self.set_status(self.lobby.translator.tr("pin.locked", seconds=seconds))
            if not self.countdown.isActive():
                self.countdown.start()
        elif self.countdown.isActive():
            self.countdown.stop()
            self.set_status(self.prompt)

    def set_status(self, text: str) -> None:
        """What the pad's prompt says: the prompt, a wrong PIN, or the wait."""
        self.pad.prompt_label.setText(text)
        self.pad.setAccessibleName(text)

    @property
    def status(self) -> str:
        return self.pad.prompt_label.text()


class GuestWarningPage(Screen):
    """Shown to a guest after some minutes untouched: the session ends soon, unless they
    tap the big "I'm still here"."""

    still_here = Signal()

    def __init__(self, tr: Callable[..., str], seconds: int) -> None:
        super().__init__()
        self._tr = tr
        _tighten(self)
        heading = BigLabel(tr("guest.warning.title"), role="title")
        heading.setObjectName("screenTitle")
        self.body = BigLabel("", role="body")
        self.body.setObjectName("guestWarningBody")
        # At 200 % the words may need more height than there is: they scroll, the big
        # button stays in view.
        self.add(_ScrollingText(heading, self.body), 1)
        self.button = BigButton(tr("guest.still_here"), role="primary")
        self.button.setObjectName("stillHere")
        self.button.setAccessibleDescription(tr("guest.still_here.describe"))
        self.button.clicked.connect(self.still_here.emit)
        self.add(self.button)
        self.set_seconds(seconds)

    def set_seconds(self, seconds: int) -> None:
        self.body.setText(self._tr("guest.warning.body", seconds=seconds))

    def spoken(self) -> str:
        return f"{self._tr('guest.warning.title')} {self.body.text()}"


class StartWindow(QMainWindow):
    """The window of the start screen (and the visitor's PIN, and the staff's way out).

    It carries ``instance`` (the lobby) so that the shell's voice can speak for it.
    """

    def __init__(self, sessions: Sessions, *, windowed: bool) -> None:
        super().__init__()
        self.sessions = sessions
        self.instance: Any = sessions.lobby
        self.windowed = windowed
        self._leaving = False
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        header, header_layout, self.clock, self.date = clock_header()
        # Away from the PIN (or the staff's exit) back to the pictures.
        self.back_button = BigButton()
        self.back_button.setObjectName("startBack")
        self.back_button.clicked.connect(self.go_start)
        self.back_button.setVisible(False)
        header_layout.addWidget(self.back_button)
        outer.addWidget(header)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.start_page = StartPage(sessions.lobby)
        self.start_page.chosen.connect(sessions.choose)
        self.stack.addWidget(self.start_page)
        self.voice = ShellVoice(self)  # type: ignore[arg-type]
        add_touch_listener(self._on_touch)
        self.clock_timer = QTimer(self)
        self.clock_timer.timeout.connect(self._tick)
        self.clock_timer.start(1000)
        self._tick()
        self.setWindowTitle(sessions.lobby.translator.tr("app.title"))
        if sessions.lobby.kiosk() and not windowed:
            from launcher.ui.kiosk import KioskGuard

            self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
            self.kiosk = KioskGuard(self._kiosk_leave, self)

    def _tick(self) -> None:
        show_now(self.clock, self.date, self.sessions.lobby.translator.locale)

    def _on_touch(self, widget: QWidget) -> None:
        if widget.window() is self and self.isVisible():
            self.voice.say_widget(widget)

    def current(self) -> QWidget | None:
        return self.stack.currentWidget()

    def show_page(self, page: QWidget) -> None:
        self.go_start()
        quiet_after_screen_change()
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self.back_button.setVisible(True)
        title = page.findChild(BigLabel, "screenTitle")
        if isinstance(page, ProfilePinPage):
            self.voice.say(page.pad.prompt_label.text())
        elif title is not None:
            self.voice.say(title.text())

    def go_start(self) -> None:
        while self.stack.count() > 1:
            widget = self.stack.widget(self.stack.count() - 1)
            if widget is None:
                break
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self.stack.setCurrentIndex(0)
        self.back_button.setVisible(False)

    def refresh(self) -> None:
        """Bring the start screen up to date: the lobby's look, the profiles on disk."""
        lobby = self.sessions.lobby
        self.sessions._apply_look()
        app = QApplication.instance()
        self.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft
            if is_rtl(lobby.translator.locale)
            else Qt.LayoutDirection.LeftToRight
        )
        self.go_start()
        tr = lobby.translator.tr
        rtl = is_rtl(lobby.translator.locale)
        # The short word, as in the shell's bar: a long one squeezes the date at 200 %.
        self.back_button.setText(("→  " if rtl else "←  ") + tr("bar.back"))
        self.back_button.setAccessibleName(tr("bar.back"))
        self.back_button.setAccessibleDescription(tr("pin.back.describe"))
        self.setWindowTitle(tr("app.title"))
        self.start_page.rebuild()
        if self.kiosk_guard is not None and app is not None:
            app.installEventFilter(self.kiosk_guard)

    @property
    def kiosk_guard(self) -> QObject | None:
        return getattr(self, "kiosk", None)

    def pause_kiosk(self) -> None:
        app = QApplication.instance()
        if self.kiosk_guard is not None and app is not None:
            app.removeEventFilter(self.kiosk_guard)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.go_start()
            return
        if event.key() == Qt.Key.Key_Q and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.request_exit()
            return
        super().keyPressEvent(event)

    def _kiosk_leave(self) -> None:
        if self.isVisible():
            self.request_exit()

    def request_exit(self) -> None:
        """Staff want to close Leling: the staff PIN (the site's ``helper_pin``)."""
        if self.windowed:
            self.leave()
            return
        lobby = self.sessions.lobby
        pin = str(lobby.settings.get("helper_pin", ""))
        self.show_page(leave_question(lobby.translator.tr, pin, self.leave, self.go_start))

    def leave(self) -> None:
        self._leaving = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.windowed and not self._leaving:
            event.ignore()
            self.request_exit()
            return
        self.pause_kiosk()
        remove_touch_listener(self._on_touch)
        self.voice.close()
        self.sessions.end_all()
        super().closeEvent(event)


class Sessions(QObject):
    """One visitor at a time: the start screen, then one profile's shell, then back.

    ``guest_idle_ms`` (default: the site's ``profiles.guest_idle_minutes``),
    ``guest_warning_s`` and ``tick_ms`` are injectable so tests never wait minutes.
    """

    session_started = Signal(str)
    session_ended = Signal(str)

    def __init__(
        self,
        lobby: Lobby,
        *,
        windowed: bool,
        guest_idle_ms: int | None = None,
        guest_warning_s: int = 60,
        tick_ms: int = 1000,
        clock: Callable[[], float] = time.time,
        shell_factory: Callable[[Instance], Any] | None = None,
    ) -> None:
        super().__init__()
        self.lobby = lobby
        self.windowed = windowed
        self.guard = PinGuard(clock)
        self.tick_ms = tick_ms
        self.guest_warning_s = guest_warning_s
        self.guest_idle_ms = (
            guest_idle_ms if guest_idle_ms is not None else lobby.guest_idle_minutes() * 60_000
        )
        self._shell_factory = shell_factory
        self.shell: Any = None
        self.profile: str | None = None
        self.guest_folder: Path | None = None
        self.warning: GuestWarningPage | None = None
        self._warning_left = 0
        for leftover in wipe_leftover_guests(lobby.paths):
            log.info("removed a guest folder an earlier run left behind: %s", leftover.name)
        # The theme's fonts go on the application before the first widget is made.
        self._apply_look()
        self.window = StartWindow(self, windowed=windowed)
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self._warn_guest)
        self.warning_timer = QTimer(self)
        self.warning_timer.setInterval(tick_ms)
        self.warning_timer.timeout.connect(self._warning_tick)
        self.idle_watch = ActivityWatch(self._activity, self)
        self.window.refresh()

    def _apply_look(self) -> None:
        set_translator(self.lobby.translator.tr)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            lobby = self.lobby
            apply_theme(app, lobby.load_theme(), lobby.effective_scale(), lobby.effective_locale())

    # -- choosing ----------------------------------------------------------------

    def choose(self, key: str) -> None:
        """A tile of the start screen was tapped."""
        if key == GUEST:
            self.start_guest()
            return
        profile = next((p for p in self.lobby.profiles() if p.name == key), None)
        if profile is None:
            self.window.refresh()
            return
        if not profile.has_pin:
            self.open_profile(profile.name)
            return
        page = ProfilePinPage(
            self.lobby,
            profile,
            self.guard,
            lambda text: self.window.voice.say(text),
            tick_ms=self.tick_ms,
        )
        page.opened.connect(self.open_profile)
        self.window.show_page(page)

    def open_profile(self, name: str) -> Any:
        """Open ``name``'s shell (the PIN, if any, was checked)."""
        return self._open(self.lobby.open(name), name)

    def start_guest(self) -> Any:
        """A guest session: a fresh profile in a new folder, watched for idleness."""
        self.guest_folder = new_guest_folder(self.lobby.paths)
        try:
            instance = self.lobby.open("guest", folder=self.guest_folder)
        except Exception:
            wipe_guest(self.guest_folder)
            self.guest_folder = None
            raise
        shell = self._open(instance, "guest")
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle_watch)
        self.idle_timer.start(self.guest_idle_ms)
        return shell

    def _open(self, instance: Instance, name: str) -> Any:
        if self._shell_factory is not None:
            shell = self._shell_factory(instance)
        else:
            from launcher.ui.app import build_window

            shell = build_window(instance, windowed=self.windowed)
        self.window.pause_kiosk()
        shell.show_finish(True)
        shell.finish_requested.connect(self.finish)
        shell.destroyed.connect(lambda _=None: None)
        self.shell = shell
        self.profile = name
        _show_like(shell, self.window)
        self.window.hide()
        self.window.voice.stop()
        self.session_started.emit(name)
        return shell

    # -- ending ------------------------------------------------------------------

    def finish(self) -> None:
        """Back to the start screen: the shell closes (its plugins, remote help and
        timers with it); a guest's folder is wiped."""
        shell, name = self.shell, self.profile
        self._stop_guest_watch()
        self.shell, self.profile = None, None
        self.window.refresh()
        _show_like(self.window, shell)
        if shell is not None:
            shell.leave()
            shell.deleteLater()
        self._wipe_guest()
        if name is not None:
            self.session_ended.emit(name)

    def end_all(self) -> None:
        """Leling is closing: end a session still open (and wipe a guest's folder)."""
        self._stop_guest_watch()
        if self.shell is not None:
            self.shell.leave()
            self.shell.deleteLater()
            self.shell = None
        self._wipe_guest()

    def _wipe_guest(self) -> None:
        if self.guest_folder is not None:
            wipe_guest(self.guest_folder)
            log.info("guest session wiped")
            self.guest_folder = None

    def _stop_guest_watch(self) -> None:
        self.idle_timer.stop()
        self.warning_timer.stop()
        self.warning = None
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle_watch)

    # -- a guest who walked away -------------------------------------------------

    def _activity(self) -> None:
        if self.warning is None and self.guest_folder is not None:
            self.idle_timer.start(self.guest_idle_ms)

    def _warn_guest(self) -> None:
        shell = self.shell
        if shell is None or self.guest_folder is None:
            return
        self._warning_left = self.guest_warning_s
        page = GuestWarningPage(shell.instance.translator.tr, self._warning_left)
        page.setObjectName("guestWarning")
        page.still_here.connect(self._still_here)
        self.warning = page
        shell.show_screen(page)
        shell.voice.say(page.spoken())
        self.warning_timer.start()

    def _warning_tick(self) -> None:
        self._warning_left -= 1
        if self._warning_left <= 0:
            self.finish()
        elif self.warning is not None:
            self.warning.set_seconds(self._warning_left)

    def _still_here(self) -> None:
        self.warning_timer.stop()
        self.warning = None
        if self.shell is not None:
            self.shell.go_home()
        self.idle_timer.start(self.guest_idle_ms)


def _show_like(window: QWidget, other: QWidget | None) -> None:
    """Show ``window`` as ``other`` was shown (fullscreen, or a window of its size)."""
    if other is not None and not other.isFullScreen() and other.isVisible():
        window.setGeometry(other.geometry())
        window.show()
        return
    if other is not None and other.isFullScreen():
        window.setGeometry(other.geometry())
        window.showFullScreen()
        return
    window.show()


def run_sessions(lobby: Lobby, *, windowed: bool) -> int:
    """Leling on a shared machine: the start screen first, until staff leave with the PIN."""
    from PySide6.QtGui import QGuiApplication

    from launcher.ui.app import _application

    app = _application()
    sessions = Sessions(lobby, windowed=windowed)
    window = sessions.window
    if windowed:
        window.resize(1280, 800)
        window.show()
    else:
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            window.setGeometry(screen.geometry())
        window.showFullScreen()
    app.aboutToQuit.connect(sessions.end_all)
    # Each profile's first session begins with the spoken tour of the home screen.
    sessions.session_started.connect(
        lambda _name: sessions.shell is not None and sessions.shell.offer_first_run_tour()
    )
    return int(app.exec())
