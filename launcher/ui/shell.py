"""The shell window: header with clock and date, the tile grid, plugin screens, the bar."""

from __future__ import annotations

import copy
import dataclasses
import logging
import sys
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QDateTime,
    QEvent,
    QFileSystemWatcher,
    QLocale,
    QObject,
    QPointF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QIcon, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from launcher.core.errors import LelingError
from launcher.core.i18n import date_pattern, is_rtl, pick_localized
from launcher.core.instance import Instance
from launcher.core.settings import SETTINGS_FILE
from launcher.ui.courier import AlertCourier
from launcher.ui.host import PluginHost, TileSpec, tiles_from_settings
from launcher.ui.kit import (
    BigButton,
    BigLabel,
    ConfirmScreen,
    ExcInfo,
    NumberPad,
    Screen,
    TileButton,
    _ScrollingText,
    _tighten,
    add_touch_listener,
    configure_touch,
    name_scroll_bars,
    quiet_after_screen_change,
    remove_touch_listener,
    set_translator,
    touch_policy,
)
from launcher.ui.navigation import ARROWS, move_focus
from launcher.ui.style import Metrics, apply_theme
from launcher.ui.voice import ShellVoice

if TYPE_CHECKING:
    from launcher.ui.kiosk import KioskGuard
    from launcher.ui.remote_ui import RemoteHelp
    from launcher.ui.scan import SwitchScanner
    from launcher.ui.screensaver import Screensaver
    from launcher.ui.tutorial import Step, Tutorial

log = logging.getLogger("leling.ui")

#: Plugins that work in the background (manifest ``background``) start this long after
#: the window is up: the first paint comes first.
BACKGROUND_START_MS = 4000


class SwipeWatcher(QObject):
    """Turns a clear horizontal swipe across the tiles into a page turn.

    Swipes are a shortcut only: the arrows always work. A swipe must travel far and
    mostly sideways, so a shaky tap is never taken for one; the kit's tremor guard keeps
    the tile under the finger from opening.
    """

    MIN_DISTANCE = 160

    def __init__(self, home: HomePage) -> None:
        super().__init__(home)
        self.home = home
        self._start: QPointF | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            self._start = event.globalPosition()
        elif kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            start, self._start = self._start, None
            if start is not None:
                delta = event.globalPosition() - start
                if abs(delta.x()) >= self.MIN_DISTANCE and abs(delta.x()) > 2 * abs(delta.y()):
                    self.home.turn(-1 if delta.x() > 0 else 1)
        return False


def clock_header() -> tuple[QFrame, QHBoxLayout, BigLabel, BigLabel]:
    """The header of Leling's windows: the time huge, the date beside it. Returns the
    header, its row (for what a window adds after the date) and the two labels."""
    header = QFrame()
    header.setObjectName("header")
    layout = QHBoxLayout(header)
    layout.setContentsMargins(32, 12, 32, 12)
    clock = BigLabel(role="huge")
    clock.setObjectName("clock")
    date = BigLabel(role="title")
    date.setObjectName("date")
    date.setWordWrap(True)
    layout.addWidget(clock)
    layout.addSpacing(32)
    layout.addWidget(date, 1)
    return header, layout, clock, date


def word_page_arrows(
    previous: BigButton, following: BigButton, tr: Callable[..., str], page: int, pages: int
) -> None:
    """The words of a paged screen's arrows (the home screen, the visitors' start
    screen), and which of them can be pressed on ``page`` (from 0) of ``pages``."""
    previous.setText("◀  " + tr("home.previous"))
    previous.setAccessibleName(tr("home.previous"))
    previous.setAccessibleDescription(tr("home.previous.describe"))
    following.setText(tr("home.next") + "  ▶")
    following.setAccessibleName(tr("home.next"))
    following.setAccessibleDescription(tr("home.next.describe"))
    previous.setEnabled(page > 0)
    following.setEnabled(page < pages - 1)


def show_now(clock: BigLabel, date: BigLabel, locale: str) -> None:
    """Put the current time and date in the header's labels (only what changed, so an
    unchanged header is not laid out again every second)."""
    now = QDateTime.currentDateTime()
    time_text = now.toString("HH:mm")
    if clock.text() != time_text:
        clock.setText(time_text)
    date_text = QLocale(locale).toString(now.date(), date_pattern(locale))
    if date.text() != date_text:
        date.setText(date_text)


def leave_question(
    tr: Callable[..., str], pin: str, leave: Callable[[], None], stay: Callable[[], None]
) -> QWidget:
    """Before Leling closes: the staff PIN when one is set, else "Close Leling?" with No
    holding the focus."""
    if pin:
        pad = NumberPad(digits=len(pin), masked=True, prompt=tr("exit.pin_prompt"))
        pad.setObjectName("exitPin")

        def check(entered: str) -> None:
            import hmac  # only when a PIN is typed, not at start-up

            if hmac.compare_digest(entered, pin):
                leave()
            else:
                pad.clear()
                pad.prompt_label.setText(tr("exit.wrong_pin"))

        pad.entered.connect(check)
        return pad
    confirm = ConfirmScreen(tr("exit.title"), tr("exit.body"), dangerous=True)
    confirm.setObjectName("exitConfirm")
    confirm.confirmed.connect(leave)
    confirm.declined.connect(stay)
    return confirm


class HomePage(QWidget):
    """The paged tile grid. Big arrows turn pages; a swipe may too, but is never needed."""

    tile_tapped = Signal(int)

    def __init__(self, shell: ShellWindow) -> None:
        super().__init__()
        self.shell = shell
        self.page = 0
        self.tile_buttons: dict[int, TileButton] = {}
        self._icons: dict[str, QIcon] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 8)
        layout.setSpacing(16)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(24)
        self.grid.setContentsMargins(0, 0, 0, 0)
        # The tiles take the height that is left and never make the window taller than
        # the screen: at large text a page shows fewer rows instead (resizeEvent).
        self.grid_host.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        layout.addWidget(self.grid_host, 1)
        #: Rows of tiles a page shows: the profile's, or fewer when they would not fit.
        self.rows_shown = self._configured_rows()
        self._fit_pending = False
        self._fitting = False
        self._probe: TileButton | None = None
        self.pager = QWidget()
        pager = QHBoxLayout(self.pager)
        pager.setContentsMargins(0, 0, 0, 0)
        self.previous = BigButton()
        self.previous.setObjectName("previousPage")
        self.page_label = BigLabel(role="body")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next = BigButton()
        self.next.setObjectName("nextPage")
        # "Page 1 of 2" on one line, as wide as it needs: wrapped, it would take the
        # height of a row of tiles at large text. The arrows share the rest.
        self.page_label.setWordWrap(False)
        pager.addWidget(self.previous, 1)
        pager.addWidget(self.page_label, 0)
        pager.addWidget(self.next, 1)
        self.previous.clicked.connect(lambda: self.turn(-1))
        self.next.clicked.connect(lambda: self.turn(1))
        layout.addWidget(self.pager)
        self.empty = BigLabel(role="title")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty)
        self.swipes = SwipeWatcher(self)
        self.grid_host.installEventFilter(self.swipes)

    def _configured_rows(self) -> int:
        return max(1, int(self.shell.instance.settings.get("grid", {}).get("rows", 3)))

    def _columns(self) -> int:
        return max(1, int(self.shell.instance.settings.get("grid", {}).get("columns", 3)))

    @property
    def per_page(self) -> int:
        return self._columns() * min(self.rows_shown, self._configured_rows())

    def rows_that_fit(self) -> int:
        """How many rows of tiles fit this page's height at their smallest readable
        size (a tile's label never squeezed under its text)."""
        configured = self._configured_rows()
        if not self.tile_buttons or self.height() <= 0:
            return configured
        layout: Any = self.layout()
        margins = layout.contentsMargins()
        available = self.height() - margins.top() - margins.bottom()
        # Whether the arrows show is decided by the profile's grid, not by the rows shown
        # now, so the answer cannot swing back and forth.
        if len(self.shell.tiles) > self._columns() * configured:
            # Laid out, the arrows have the height their wrapped words need; the tiles
            # give way to them, never the other way round.
            laid_out = self.pager.height() if self.pager.isVisible() else 0
            pager = max(laid_out, self.pager.sizeHint().height())
            available -= pager + layout.spacing()
        gap = self.grid.spacing()
        columns = self._columns()
        width = (self.width() - margins.left() - margins.right() - gap * (columns - 1)) // columns
        # Every tile's name counts, not only this page's: then the answer is the same on
        # every page and cannot swing as the pages change.
        if self._probe is None:
            # Measures names without touching a tile on screen.
            self._probe = TileButton()
            self._probe.setParent(self.grid_host)
            self._probe.hide()
        probe = self._probe
        probe.ensurePolished()
        probe.text_label.ensurePolished()
        locale = self.shell.instance.translator.locale
        tile = 0
        for spec in self.shell.tiles:
            probe.text_label.setText(spec.title(locale))
            tile = max(tile, probe.smallest_height(width))
        return max(1, min(configured, int(available + gap) // (tile + gap)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Looked at once the window has settled: the first sizes of a new window are
        # passing ones.
        if not self._fit_pending:
            self._fit_pending = True
            QTimer.singleShot(0, self._fit_rows)

    def _fit_rows(self) -> None:
        self._fit_pending = False
        if self._fitting:
            return
        rows = self.rows_that_fit()
        if rows != self.rows_shown:
            self.rows_shown = rows
            self._fitting = True
            try:
                self.rebuild()
            finally:
                self._fitting = False

    def page_count(self) -> int:
        return max(1, -(-len(self.shell.tiles) // self.per_page))

    def turn(self, step: int) -> None:
        self.page = max(0, min(self.page_count() - 1, self.page + step))
        self.rebuild()

    def _icon(self, tile: TileSpec) -> QIcon | None:
        # One QIcon per file: tiles of the same plugin share it, and a rebuild (a page
        # turn, a settings change) does not read the SVG again.
        if tile.manifest is None or tile.manifest.icon is None:
            return None
        path = str(tile.manifest.icon)
        if path not in self._icons:
            self._icons[path] = QIcon(path)
        return self._icons[path]

    def rebuild(self) -> None:
        tr = self.shell.instance.translator.tr
        locale = self.shell.instance.translator.locale
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                # Hidden now: until it is deleted it would still be drawn where it was.
                widget.hide()
                widget.deleteLater()
        self.tile_buttons.clear()
        columns = int(self.shell.instance.settings.get("grid", {}).get("columns", 3))
        self.page = min(self.page, self.page_count() - 1)
        start = self.page * self.per_page
        shown = self.shell.tiles[start : start + self.per_page]
        for position, tile in enumerate(shown):
            icon = self._icon(tile)
            button = TileButton(tile.title(locale), icon)
            button.setObjectName(f"tile-{tile.index}")
            if tile.manifest is not None and tile.manifest.tone == "alarm":
                button.setProperty("tone", "alarm")
            described = tile.manifest.description(locale) if tile.manifest else ""
            button.setAccessibleDescription(described or tr("tile.unavailable"))
            if not self.shell.host.is_available(tile):
                button.set_unavailable(True)
                button.set_note(tr("tile.unavailable"))
            button.clicked.connect(lambda _=False, i=tile.index: self.tile_tapped.emit(i))
            button.installEventFilter(self.swipes)
            self.grid.addWidget(button, position // columns, position % columns)
            self.tile_buttons[tile.index] = button
        for column in range(columns):
            self.grid.setColumnStretch(column, 1)
        configured = self._configured_rows()
        for row in range(configured):
            self.grid.setRowStretch(row, 1 if row < self.rows_shown else 0)
        pages = self.page_count()
        self.pager.setVisible(pages > 1)
        word_page_arrows(self.previous, self.next, tr, self.page, pages)
        self.page_label.setText(tr("home.page", page=self.page + 1, pages=pages))
        self.empty.setVisible(not self.shell.tiles)
        self.empty.setText(tr("home.empty"))
        if self.shell.isVisible():
            # Measured with these tiles (their names set a row's least height); a page
            # under a plugin's screen keeps its size, so this holds there too.
            self._fit_rows()


class PluginFrame(QWidget):
    """A plugin screen inside the shell. Its big title shows in the header, beside the
    clock, so the plugin keeps the whole height below for itself."""

    def __init__(self, shell: ShellWindow, tile: TileSpec, content: QWidget, title: str) -> None:
        super().__init__()
        self.shell = shell
        self.tile = tile
        self.header_title = title
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 8, 24, 0)
        self.content = content
        # Text at 200 % can need more height than a screen has: scroll rather than clip.
        scroller = QScrollArea()
        scroller.setObjectName("screenScroller")
        name_scroll_bars(scroller)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setWidget(content)
        layout.addWidget(scroller, 1)

    def handle_plugin_failure(self, info: ExcInfo) -> None:
        self.shell.host.plugin_failed(self.tile, "paint", info)


class MessagePage(Screen):
    """A calm full screen of text with one big way home. ``kind`` says which (help…)."""

    def __init__(
        self,
        shell: ShellWindow,
        title: str,
        lines: list[str],
        kind: str,
        actions: tuple[BigButton, ...] = (),
    ) -> None:
        super().__init__()
        self.kind = kind
        _tighten(self)
        heading = BigLabel(title, role="title")
        heading.setObjectName("screenTitle")
        # Many helpers' numbers at 200 % can be taller than the screen: the words scroll,
        # the buttons stay in view.
        body = [BigLabel(line, role="body") for line in lines]
        for label in (heading, *body):
            # What a relative typed is shown as typed: never as rich text, where a link
            # or a picture could be made to look like Leling's own.
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.add(_ScrollingText(heading, *body), 1)
        if actions:
            # The page's own actions take the row; Home stays in the bar below. A second
            # row of big buttons would not fit 800 px at 200 % text.
            self.add_row(*actions)
            return
        home = BigButton(shell.instance.translator.tr("unavailable.home"), role="primary")
        home.setObjectName("messageHome")
        home.setAccessibleDescription(shell.instance.translator.tr("bar.home.describe"))
        home.clicked.connect(shell.go_home)
        self.add(home)


@dataclasses.dataclass(frozen=True)
class HeldForCall:
    """Something that came during a call and waits for it to end."""

    show: Callable[[], bool | None]
    speech: bool
    tile_index: int | None


class ShellWindow(QMainWindow):
    """Leling's one window. Home, Back and "Help me" stay in the same places on every screen."""

    screen_changed = Signal(str)
    #: The visitor tapped "Finish": back to the start screen of a shared machine.
    finish_requested = Signal()

    def __init__(self, instance: Instance, *, windowed: bool = False) -> None:
        super().__init__()
        self.instance = instance
        self.windowed = windowed
        self._leaving = False
        self.kiosk: KioskGuard | None = None
        self.host = PluginHost(instance, self)
        self.host.set_failure_handler(self._show_failed_tile)
        self.host.failed.connect(lambda _index: self.home.rebuild())
        self.host.present_requested.connect(self._present)
        self.host.call_changed.connect(self._call_changed)
        #: Screens that came by themselves during a call, shown in order once it ends.
        self._held_for_call: list[HeldForCall] = []
        self._resume_pending = False
        #: A change of settings that arrived during a call, to apply when it ends.
        self._settings_after_call = False
        self.host.say_requested.connect(self._plugin_says)
        self.tiles = tiles_from_settings(instance)
        self.metrics: Metrics | None = None
        # The theme's fonts go on the application before any widget exists: widgets made
        # earlier would keep the platform's default family (no CJK font first).
        self.apply_appearance()
        self._applied = self._appearance_key()
        self.setWindowTitle(instance.translator.tr("app.title"))
        set_translator(instance.translator.tr)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.header = self._build_header()
        outer.addWidget(self.header)
        self._outer = outer
        self.banner: QWidget | None = None
        self.stack = QStackedWidget()
        self.home: HomePage = HomePage(self)
        self.home.tile_tapped.connect(self.open_tile)
        self.stack.addWidget(self.home)
        outer.addWidget(self.stack, 1)
        outer.addWidget(self._build_bar())
        self.setCentralWidget(central)

        self.voice = ShellVoice(self)
        add_touch_listener(self._on_touch)
        self.destroyed.connect(lambda: remove_touch_listener(self._on_touch))
        self.screen_changed.connect(self._announce)
        self.scanner: SwitchScanner | None = None
        self._configure_scan()
        self.screensaver: Screensaver | None = None
        self._configure_screensaver()
        self.remote: RemoteHelp | None = None
        #: "Show me how" or the home tour, while one runs.
        self.tutorial: Tutorial | None = None
        self._report_guide_problems()
        # Alerts still on their way from an earlier run go out again, once the senior's
        # screen is up: a few seconds matter less than the first paint.
        self.courier = AlertCourier(instance, self)
        self.courier.link_base = self.host.link_base = self._remote_address
        self.host.alerts_queued.connect(self.courier.kick)
        QTimer.singleShot(AlertCourier.FIRST_LOOK_MS, self.courier.kick)
        QTimer.singleShot(BACKGROUND_START_MS, self._start_background_plugins)

        self.clock_timer = QTimer(self)
        self.clock_timer.timeout.connect(self._tick)
        self.clock_timer.start(1000)
        self._watch_settings()
        self._configure_kiosk()
        self.retranslate()

    # -- building -------------------------------------------------------------------

    def _build_header(self) -> QWidget:
        header, layout, self.clock, self.date = clock_header()
        self.screen_title = BigLabel(role="title")
        self.screen_title.setObjectName("screenTitle")
        self.screen_title.setVisible(False)
        layout.addWidget(self.screen_title, 1)
        # Only on a shared machine (see show_finish): the visitor's way back to the start
        # screen. In the header, at the top corner where "log out" usually is: a fifth
        # button in the bar does not fit its words at 200 % text.
        self.finish_button = BigButton()
        self.finish_button.setObjectName("finishButton")
        self.finish_button.clicked.connect(self.finish_requested.emit)
        self.finish_button.setVisible(False)
        # On a plugin screen with a guide: step-by-step help for that screen. In the
        # title's row, so it is found where the screen's name is and never moves Home,
        # Back or "Help me" in the bar.
        self.show_how_button = BigButton(role="primary")
        self.show_how_button.setObjectName("showMeHow")
        self.show_how_button.clicked.connect(self.show_me_how)
        self.show_how_button.setVisible(False)
        layout.addWidget(self.show_how_button)
        layout.addWidget(self.finish_button)
        return header

    def _build_bar(self) -> QWidget:
        bar = QFrame()
        bar.setObjectName("bar")
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(24, 12, 24, 12)
        layout.setSpacing(24)
        self.home_button: BigButton = BigButton()
        self.home_button.setObjectName("homeButton")
        self.back_button = BigButton()
        self.back_button.setObjectName("backButton")
        self.help_button = BigButton(role="danger")
        self.help_button.setObjectName("helpButton")
        self.read_button = BigButton()
        self.read_button.setObjectName("readButton")
        self.read_button.clicked.connect(self.read_aloud)
        self.home_button.clicked.connect(self.go_home)
        self.back_button.clicked.connect(self.go_back)
        self.help_button.clicked.connect(self.show_help)
        for button in (self.home_button, self.back_button, self.read_button, self.help_button):
            layout.addWidget(button, 1)
        return bar

    def show_finish(self, shown: bool = True) -> None:
        """Show "Finish" in the header: this shell is one visitor's session."""
        self.finish_button.setVisible(shown)

    def _configure_kiosk(self) -> None:
        """Kiosk lock (``kiosk.enabled``): on top, leaving keys swallowed; leaving needs
        the staff PIN as always. A development window (``--windowed``) is never locked."""
        if self.windowed or not self.instance.settings.get("kiosk", {}).get("enabled", False):
            return
        from launcher.ui.kiosk import KioskGuard

        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        app = QApplication.instance()
        if self.kiosk is None and app is not None:
            self.kiosk = KioskGuard(self._kiosk_leave, self)
            app.installEventFilter(self.kiosk)

    def _kiosk_leave(self) -> None:
        if self.isVisible() and not self._leaving:
            self.request_exit()

    # -- text, time and appearance --------------------------------------------------

    def retranslate(self) -> None:
        tr = self.instance.translator.tr
        self.setWindowTitle(tr("app.title"))
        # The symbols help the eye; the spoken name is the word alone. Back points the
        # way pages go back: left, or right in a right-to-left language.
        rtl = is_rtl(self.instance.translator.locale)
        for button, key, text in (
            (self.home_button, "bar.home", "⌂  {}"),
            (self.back_button, "bar.back", ("→  {}" if rtl else "←  {}")),
            (self.read_button, "bar.read", "{}"),
            (self.help_button, "bar.help", "{}"),
            (self.finish_button, "bar.finish", "✓  {}"),
            (self.show_how_button, "tour.show_how", "☝  {}"),
        ):
            button.setText(text.format(tr(key)))
            button.setAccessibleName(tr(key))
            button.setAccessibleDescription(tr(f"{key}.describe"))
        self._tick()
        self.home.rebuild()
        self._fit_show_how()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_show_how()

    def _tick(self) -> None:
        show_now(self.clock, self.date, self.instance.translator.locale)

    def _appearance_key(self) -> tuple[Any, ...]:
        theme = self.instance.overrides.theme or self.instance.settings.get("theme")
        touch = self.instance.settings.get("touch", {})
        return (
            theme,
            self.instance.effective_scale(),
            tuple(sorted(touch.items())),
            self.instance.effective_locale(),
        )

    def apply_appearance(self) -> None:
        touch = self.instance.settings.get("touch", {})
        configure_touch(
            dataclasses.replace(
                touch_policy(),
                hold_to_activate=bool(touch.get("hold_to_activate", False)),
                hold_ms=int(touch.get("hold_ms", 800)),
            )
        )
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.metrics = apply_theme(
                app,
                self.instance.load_theme(),
                self.instance.effective_scale(),
                self.instance.effective_locale(),
            )

    # -- navigation -----------------------------------------------------------------

    def current_title(self) -> str:
        widget = self.stack.currentWidget()
        # A plugin screen, or a shell screen that needs all the height below the header,
        # carries its title in the header beside the clock.
        header_title = getattr(widget, "header_title", None)
        if isinstance(header_title, str):
            return header_title
        title = None
        if widget is not None and widget is not self.home:
            title = widget.findChild(BigLabel, "screenTitle")
        return title.text() if title is not None else self.instance.translator.tr("app.title")

    def _update_header(self) -> None:
        """Beside the clock: the date at home, the screen's title inside a plugin."""
        titled = isinstance(getattr(self.stack.currentWidget(), "header_title", None), str)
        if titled:
            self.screen_title.setText(self.current_title())
        self.screen_title.setVisible(titled)
        self.date.setVisible(not titled)
        self.show_how_button.setVisible(self.tutorial is None and bool(self._current_guide()))
        self._fit_show_how()

    def _fit_show_how(self) -> None:
        """'☝ Show me how', or the hand alone when the words would push the screen's name
        onto a second line and the plugin's screen down (large text, long words). Its
        spoken and accessible name stays the words."""
        button = self.show_how_button
        if button.isHidden():
            return
        words = "☝  " + self.instance.translator.tr("tour.show_how")
        header = self.header
        row: Any = header.layout()
        margins = row.contentsMargins()
        padding = button.sizeHint().width() - button.fontMetrics().horizontalAdvance(button.text())
        needed = (
            margins.left()
            + margins.right()
            + self.clock.sizeHint().width()
            + 32  # the gap after the clock
            + self.screen_title.fontMetrics().horizontalAdvance(self.screen_title.text())
            + 2 * row.spacing()
            + button.fontMetrics().horizontalAdvance(words)
            + padding
        )
        text = words if needed <= header.width() else "☝"
        if button.text() != text:
            button.setText(text)

    def _push(self, widget: QWidget) -> None:
        quiet_after_screen_change()
        self.stack.addWidget(widget)
        self.stack.setCurrentWidget(widget)
        self._update_header()
        self.screen_changed.emit(self.current_title())

    def _pop_to(self, depth: int) -> None:
        if self.stack.count() > depth:
            quiet_after_screen_change()
        while self.stack.count() > depth:
            widget = self.stack.widget(self.stack.count() - 1)
            if widget is None:
                break
            if isinstance(widget, PluginFrame):
                self.host.close(widget.tile)
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self.stack.setCurrentIndex(self.stack.count() - 1)
        self._update_header()
        self.screen_changed.emit(self.current_title())

    def screen_kind(self) -> str:
        """What is on screen: ``home`` (``home page N`` when there are several),
        ``plugin:<id>``, ``help``, ``unavailable``, ``exit``, or ``screen``."""
        current = self.stack.currentWidget()
        if current is self.home:
            pages = self.home.page_count()
            return "home" if pages == 1 else f"home page {self.home.page + 1}"
        if isinstance(current, PluginFrame):
            return f"plugin:{current.tile.plugin_id}"
        if isinstance(current, MessagePage):
            return current.kind
        if current is not None and current.objectName().startswith("exit"):
            return "exit"
        return "screen"

    def show_page(self, number: int) -> None:
        """Go home and show page ``number`` (from 1) of the tiles."""
        self.go_home()
        self.home.turn(number - 1 - self.home.page)

    def open_plugin(self, plugin_id: str) -> bool:
        """Open the first tile that uses ``plugin_id``; False if no tile does."""
        tile = next((t for t in self.tiles if t.plugin_id == plugin_id), None)
        if tile is None:
            return False
        self.open_tile(tile.index)
        return True

    def go_home(self) -> None:
        self._pop_to(1)
        self.home.rebuild()
        self._resume_held()

    def go_back(self) -> None:
        self._pop_to(max(1, self.stack.count() - 1))
        self._resume_held()

    def open_tile(self, index: int) -> None:
        tile = next((t for t in self.tiles if t.index == index), None)
        if tile is None:
            return
        title = tile.title(self.instance.translator.locale)
        content = self.host.open(tile)
        self._pop_to(1)
        if content is None:
            self._push(self._unavailable_page(tile))
            return
        self._push(PluginFrame(self, tile, content, title))

    def _present(self, tile: TileSpec, content: QWidget) -> None:
        """A plugin brings its screen up by itself (an incoming call, a family message)."""
        if self.hold_during_call(lambda: self._present(tile, content), tile):
            return
        current = self.stack.currentWidget()
        if isinstance(current, PluginFrame) and current.tile.index != tile.index:
            self.host.close(current.tile)
        self._pop_to(1)
        self._push(PluginFrame(self, tile, content, tile.title(self.instance.translator.locale)))

    def tile_for_plugin(self, plugin_id: str) -> TileSpec | None:
        """The first tile that uses ``plugin_id``."""
        return next((t for t in self.tiles if t.plugin_id == plugin_id), None)

    def _unavailable_page(self, tile: TileSpec) -> QWidget:
        tr = self.instance.translator.tr
        name = tile.title(self.instance.translator.locale)
        return MessagePage(
            self, tr("unavailable.title"), [tr("unavailable.body", name=name)], "unavailable"
        )

    def _show_failed_tile(self, tile: TileSpec) -> None:
        current = self.stack.currentWidget()
        if isinstance(current, PluginFrame) and current.tile.plugin_id == tile.plugin_id:
            self._pop_to(1)
            self._push(self._unavailable_page(tile))
        self.home.rebuild()

    # -- voice --------------------------------------------------------------------

    def _configure_scan(self) -> None:
        """One-switch scanning (``scan.*``), made only once somebody turns it on."""
        if self.scanner is None:
            if not self.instance.settings.get("scan", {}).get("enabled", False):
                return
            from launcher.ui.scan import SwitchScanner

            self.scanner = SwitchScanner(self)
        self.scanner.configure()

    def _configure_screensaver(self) -> None:
        """The screensaver (``screensaver.*``), made only once somebody turns it on."""
        if self.screensaver is None:
            if not self.instance.settings.get("screensaver", {}).get("enabled", False):
                return
            from launcher.ui.screensaver import Screensaver

            self.screensaver = Screensaver(self)
        self.screensaver.configure()

    def _on_touch(self, widget: QWidget) -> None:
        # Only this window's controls; the read button speaks the screen instead.
        if widget.window() is self and widget is not self.read_button:
            self.voice.say_widget(widget)

    def _plugin_says(self, tile: TileSpec, text: str, interrupt: bool) -> None:
        if self.hold_during_call(
            lambda: self.voice.say(text, interrupt=interrupt), tile, speech=True
        ):
            return
        self.voice.say(text, interrupt=interrupt)

    def _announce(self, title: str) -> None:
        self.voice.say(title)

    def read_aloud(self) -> None:
        """Read this screen to me: its title, then every item in order. Without a voice,
        say so in words on the screen instead."""
        if self.voice.available:
            self.voice.read_screen()
            return
        tr = self.instance.translator.tr
        log.info("voice unavailable: %s", self.voice.unavailable_reason)
        self._pop_to(1)
        self._push(
            MessagePage(
                self,
                tr("voice.unavailable.title"),
                [tr("voice.unavailable.body")],
                "voice-unavailable",
            )
        )

    # -- step-by-step help ------------------------------------------------------------

    def _report_guide_problems(self) -> None:
        """A plugin whose guide is broken works without it; the helper hears why."""
        for plugin_id in self.instance.registry.ids():
            manifest = self.instance.registry.get(plugin_id)
            if manifest is not None and manifest.guide_problem:
                self.instance.note_problem("plugins", manifest.guide_problem, once=True)

    def _current_guide(self) -> list[Step]:
        current = self.stack.currentWidget()
        if not isinstance(current, PluginFrame) or current.tile.manifest is None:
            return []
        if not current.tile.manifest.guide:
            return []
        from launcher.ui.tutorial import steps_of_guide

        return steps_of_guide(current.tile.manifest.guide, self.instance.translator.locale)

    def show_me_how(self) -> Tutorial | None:
        """Show, step by step, how to use the plugin screen that is open (its manifest's
        guide). The senior does each step; nothing is done for them."""
        current = self.stack.currentWidget()
        steps = self._current_guide()
        if not steps or not isinstance(current, PluginFrame):
            return None
        plugin_id = current.tile.plugin_id

        def belongs(widget: QWidget | None) -> bool:
            return isinstance(widget, PluginFrame) and widget.tile.plugin_id == plugin_id

        return self._run_tutorial(steps, f"guide:{plugin_id}", belongs, tour=False)

    def home_tour_steps(self) -> list[Step]:
        """The home screen's tour: the tiles, the page arrows (with several pages), and
        the bar's buttons."""
        from launcher.ui.tutorial import Step

        tr = self.instance.translator.tr
        steps = []
        if self.home.tile_buttons:
            first = min(self.home.tile_buttons)
            steps.append(Step(f"tile-{first}", tr("tour.tiles"), "next"))
        if self.home.page_count() > 1:
            steps.append(Step("nextPage", tr("tour.pages"), "next"))
        for name, key in (
            ("homeButton", "tour.home"),
            ("backButton", "tour.back"),
            ("readButton", "tour.read"),
            ("helpButton", "tour.help"),
        ):
            steps.append(Step(name, tr(key), "next"))
        return steps

    def start_home_tour(self) -> Tutorial | None:
        """The short spoken tour of the home screen (from "Help me", or on first start).
        The senior is taken home first, as the tour is about that screen."""
        # The tiles are laid out anew on the way home: the tour waits for them.
        settling = self.stack.currentWidget() is not self.home or self.home.page != 0
        if settling:
            self.show_page(1)
        return self._run_tutorial(
            self.home_tour_steps(),
            "home tour",
            lambda widget: widget is self.home,
            tour=True,
            settling=settling,
        )

    def offer_first_run_tour(self) -> bool:
        """On a real start: the home tour, the first time this profile's shell starts."""
        from launcher.ui.tutorial import HOME_TOUR, remember_tour, tour_seen

        if tour_seen(self.instance, HOME_TOUR):
            return False
        # Remembered here, not wherever a tour is drawn (a screenshot of it).
        remember_tour(self.instance, HOME_TOUR)
        return self.start_home_tour() is not None

    def _run_tutorial(
        self,
        steps: list[Step],
        name: str,
        belongs: Callable[[QWidget | None], bool],
        *,
        tour: bool,
        settling: bool = False,
    ) -> Tutorial | None:
        from launcher.ui.tutorial import Tutorial

        if self.tutorial is not None:
            self.tutorial.stop("stopped")
        tutorial = Tutorial(self, steps, name=name, belongs=belongs, tour=tour)
        tutorial.finished.connect(lambda _reason: self._tutorial_ended(tutorial))
        self.tutorial = tutorial
        self._update_header()
        tutorial.start(settling=settling)
        return tutorial if tutorial.running else None

    def _tutorial_ended(self, tutorial: Tutorial) -> None:
        if self.tutorial is tutorial:
            self.tutorial = None
            self._update_header()
        tutorial.deleteLater()

    def show_help(self) -> None:
        tr = self.instance.translator.tr
        lines = []
        locale = self.instance.translator.locale
        for person in self.instance.settings.get("contacts", []):
            relation = person.get("relation") or ""
            if isinstance(relation, dict):
                relation = pick_localized(relation, locale)
            brackets = "（{}）" if locale.startswith("zh") else " ({})"
            name = person.get("name", "")
            label = f"{name}{brackets.format(relation)}" if relation else name
            # The number is isolated left-to-right so its digit groups keep their order
            # inside right-to-left text.
            lines.append(f"{label}:  \u2066{person.get('phone', '')}\u2069")
        body = [tr("help.body"), *lines] if lines else [tr("help.none")]
        family = BigButton(tr("remote.pair.button"), role="primary")
        family.setObjectName("letFamilyHelp")
        family.setAccessibleDescription(tr("remote.pair.button.describe"))
        family.clicked.connect(self.let_family_help)
        helpers = BigButton(tr("remote.helpers.title"))
        helpers.setObjectName("peopleWhoHelp")
        helpers.setAccessibleDescription(tr("remote.helpers.describe"))
        helpers.clicked.connect(lambda: self.start_remote().show_helpers())
        tour = BigButton(tr("tour.around"))
        tour.setObjectName("showMeAround")
        tour.setAccessibleDescription(tr("tour.around.describe"))
        tour.clicked.connect(self.start_home_tour)
        self.show_screen(MessagePage(self, tr("help.title"), body, "help", (family, helpers, tour)))

    # -- remote help ----------------------------------------------------------------

    def show_screen(self, page: QWidget) -> None:
        """Show a screen of the shell's own above the home screen (Home and Back lead away).
        What comes without the senior asking waits for a call first (:meth:`hold_during_call`)."""
        self._pop_to(1)
        self._push(page)

    # -- calls ----------------------------------------------------------------------

    def hold_during_call(
        self,
        show: Callable[[], bool | None],
        tile: TileSpec | None,
        *,
        speech: bool = False,
    ) -> bool:
        """Keep ``show`` for after the call when doing it now would end one or talk over
        it: a call is under way on the screen, and this does not come from that call's
        own tile. A call hung up by a reminder or a message is a call the senior did not
        choose to end.

        Held screens come back one at a time: the first when the call ends, the next
        each time the senior leaves one (Home or Back). ``speech``: words that go with
        the screen held before them. A tile's newer screen replaces its older one (a
        reminder repeated during a long call comes once). ``show`` returning False means
        it had nothing left to show (a question that expired), and the next comes.
        """
        current = self.stack.currentWidget()
        if not self.host.in_call() or not isinstance(current, PluginFrame):
            return False
        if tile is not None and current.tile.index == tile.index:
            return False
        index = tile.index if tile is not None else None
        if index is not None and not speech:
            self._held_for_call = [h for h in self._held_for_call if h.tile_index != index]
        log.info("%s waits for the call to end", "speech" if speech else "a screen")
        self._held_for_call.append(HeldForCall(show, speech, index))
        return True

    def _call_changed(self, active: bool) -> None:
        if not active:
            # After the call's own screen has said the call ended.
            self._resume_held()

    def _resume_held(self) -> None:
        """Show the next held screen (or apply held settings) once, on the next turn."""
        if (self._held_for_call or self._settings_after_call) and not self._resume_pending:
            self._resume_pending = True
            QTimer.singleShot(0, self._after_call)

    def _after_call(self) -> None:
        self._resume_pending = False
        if self.host.in_call():
            return
        while self._held_for_call:
            held = self._held_for_call.pop(0)
            shown = held.show()
            # Its words come with it.
            while self._held_for_call and self._held_for_call[0].speech:
                self._held_for_call.pop(0).show()
            if shown is not False and not held.speech:
                return
        if self._settings_after_call and self.stack.currentWidget() is self.home:
            # Applied once nothing held is left to show: applying restarts the plugins
            # whose screens were waiting.
            self._settings_after_call = False
            self.apply_settings()

    def start_remote(
        self, port: int | None = None, bind: str | None = None, broker: str | None = None
    ) -> RemoteHelp:
        """Start the remote-help server (once); ``port`` 0 picks a free one. With a broker
        (``broker``, else ``remote.broker``) it also connects out to it, in the background;
        a broker that cannot be used is reported for the helper, and the rest runs."""
        if self.remote is None:
            from launcher.ui.remote_ui import DEFAULT_PORT, RemoteHelp

            chosen = self.instance.settings.get("remote", {})
            if bind is None:
                bind = "0.0.0.0" if chosen.get("lan", False) else "127.0.0.1"
            if port is None:
                port = int(chosen.get("port", DEFAULT_PORT))
            self.remote = RemoteHelp(self, bind=bind, port=port)
        url = broker or str(self.instance.settings.get("remote", {}).get("broker", ""))
        if url and self.remote.broker is None:
            try:
                self.remote.start_broker(url)
            except LelingError as exc:
                log.warning("remote help through the broker could not start: %s", exc)
                self.instance.report.add("remote", f"the remote-help broker: {exc}", once=True)
        return self.remote

    def _start_background_plugins(self) -> None:
        """Plugins that work while closed (reminders) start once the home screen is up."""
        for tile in self.tiles:
            if tile.manifest is not None and tile.manifest.background:
                self.host.start_in_background(tile)

    def _remote_address(self) -> str | None:
        """Where remote help answers while it runs (SOS acknowledgement links)."""
        return self.remote.url if self.remote is not None else None

    def set_banner(self, banner: QWidget | None) -> None:
        """Show ``banner`` across the window under the header (a relative helping on the
        screen), or take it away (None). It stays on every screen until taken away."""
        if self.banner is not None:
            self._outer.removeWidget(self.banner)
            self.banner.deleteLater()
        self.banner = banner
        if banner is not None:
            self._outer.insertWidget(1, banner)

    def start_remote_quietly(
        self, port: int | None = None, bind: str | None = None, broker: str | None = None
    ) -> None:
        """Start remote help at launch (the profile has it on, ``--remote-port`` or
        ``--remote-broker``). A port in use is logged and reported for the helper; the
        senior's screen stays."""
        try:
            remote = self.start_remote(port, bind, broker)
        except OSError as exc:
            log.warning("remote help could not start: %s", exc)
            self.instance.report.add("remote", f"remote help could not start: {exc}")
            return
        log.info("remote help at %s", remote.url)
        # For the admin who started it from a terminal: where the relatives' phones go.
        print(f"leling: remote help at {remote.url}", flush=True)
        if remote.broker is not None:
            print(f"leling: remote help through {remote.broker.address.shown}", flush=True)

    def let_family_help(self) -> None:
        """The senior's "Let my family help": remote help goes on and shows its QR code."""
        tr = self.instance.translator.tr
        if not self.instance.settings.get("remote", {}).get("enabled", False):
            if self.instance.site.lock_for("remote.enabled") is not None:
                # The site keeps remote help off on this machine (a centre's choice).
                self.show_screen(
                    MessagePage(
                        self, tr("remote.site_off.title"), [tr("remote.site_off.body")], "notice"
                    )
                )
                return
            self.instance.store.set("remote.enabled", True, reason="the senior let family help")
            self._last_settings = copy.deepcopy(self.instance.settings)
        try:
            remote = self.start_remote()
        except OSError as exc:
            log.warning("remote help could not start: %s", exc)
            self.instance.report.add("remote", f"remote help could not start: {exc}")
            self.show_screen(
                MessagePage(
                    self, tr("remote.failed.title"), [tr("remote.failed.body")], "remote-failed"
                )
            )
            return
        remote.show_pairing()

    def show_notice(
        self,
        title: str,
        body: str,
        *,
        undo_text: str = "",
        on_undo: Callable[[], None] | None = None,
        read_body: bool = False,
    ) -> None:
        """Tell the senior something that happened (a relative's change or message), with
        an Undo when it can be undone. The title is announced; ``read_body`` reads the
        text after it."""
        if self.hold_during_call(
            lambda: self.show_notice(
                title, body, undo_text=undo_text, on_undo=on_undo, read_body=read_body
            ),
            None,
        ):
            return
        actions: tuple[BigButton, ...] = ()
        if on_undo is not None:
            undo = BigButton(f"↶  {undo_text}", role="primary")
            undo.setObjectName("undoRemoteChange")
            undo.setAccessibleName(undo_text)
            undo.setAccessibleDescription(title)
            undo.clicked.connect(on_undo)
            actions = (undo,)
        page = MessagePage(self, title, [body] if body else [], "notice", actions)
        self.show_screen(page)
        if read_body and body:
            self.voice.say(body, interrupt=False)

    # -- live settings --------------------------------------------------------------

    def _watch_settings(self) -> None:
        """Apply changes saved by another process (``leling config set``, remote help)."""
        self._watcher = QFileSystemWatcher(self)
        self._watcher.addPath(str(self.instance.profile_dir))
        settings = self.instance.profile_dir / SETTINGS_FILE
        if settings.exists():
            self._watcher.addPath(str(settings))
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(150)
        self._reload_timer.timeout.connect(self.reload_settings)
        self._watcher.fileChanged.connect(lambda _p: self._reload_timer.start())
        self._watcher.directoryChanged.connect(lambda _p: self._reload_timer.start())
        self._last_settings = copy.deepcopy(self.instance.settings)

    def reload_settings(self) -> None:
        settings_path = self.instance.profile_dir / SETTINGS_FILE
        if settings_path.exists() and str(settings_path) not in self._watcher.files():
            self._watcher.addPath(str(settings_path))
        loaded = self.instance.store.load()
        for problem in loaded.problems:
            self.instance.note_problem("settings", problem)
        self.apply_settings()

    def apply_settings(self) -> None:
        """Bring the window in line with the current settings, without a restart."""
        settings = self.instance.settings
        if settings == self._last_settings:
            return
        if self.host.in_call() or self._held_for_call:
            # Applying restarts every plugin and goes home, which would hang up, or drop
            # what waited for the call: the change (already saved) is applied after.
            self._settings_after_call = True
            return
        self._last_settings = copy.deepcopy(settings)
        if self._appearance_key() != self._applied:
            self._applied = self._appearance_key()
            self.apply_appearance()
        self.voice.apply_settings()
        self._configure_scan()
        self._configure_screensaver()
        # A contact's alert addresses may have been put right: waiting alerts follow.
        self.courier.kick()
        self.host.shutdown()
        self.host.unavailable.clear()
        self.tiles = tiles_from_settings(self.instance)
        self._start_background_plugins()
        self._pop_to(1)
        locale = self.instance.effective_locale()
        if locale != self.instance.translator.locale:
            self.instance.translator.set_locale(locale)
        self.retranslate()

    def set_locale(self, locale: str) -> None:
        """Switch language now, as the senior or a helper chose it; saved to the profile."""
        self.instance.store.set("locale", locale, reason=f"language changed to {locale}")
        self.apply_settings()

    # -- window ---------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in ARROWS and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            moved = move_focus(self, Qt.Key(event.key()))
            if moved is not None:
                self.voice.say_widget(moved)
            return
        if event.key() == Qt.Key.Key_Escape:
            # Esc never leaves the shell; it goes back one screen, like the Back button.
            self.go_back()
            return
        if event.key() == Qt.Key.Key_Q and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.request_exit()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        # Tab and Shift+Tab: the control that takes the focus is read aloud, as a touch
        # reads it, so someone who cannot see the ring hears where they are.
        moved = super().focusNextPrevChild(next)
        focused = self.focusWidget()
        if moved and focused is not None:
            self.voice.say_widget(focused)
        return moved

    def request_exit(self) -> None:
        """A helper wants to close Leling: ask for the helper PIN, or for a clear Yes."""
        if self.windowed:
            self.leave()
            return
        pin = str(self.instance.settings.get("helper_pin", ""))
        page = leave_question(self.instance.translator.tr, pin, self.leave, self.go_home)
        self._pop_to(1)
        self._push(page)

    def leave(self) -> None:
        """Close for real (after the PIN, or in a development window)."""
        self._leaving = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Fullscreen, a close from the window system (Alt+F4, a stray click) never leaves
        # the senior without their home screen: it asks for the helper instead.
        if not self.windowed and not self._leaving:
            event.ignore()
            self.request_exit()
            return
        self.host.shutdown()
        if self.kiosk is not None:
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self.kiosk)
        remove_touch_listener(self._on_touch)
        if self.scanner is not None:
            self.scanner.close()
        if self.remote is not None:
            self.remote.stop()
        self.courier.stop()
        self.voice.close()
        super().closeEvent(event)

    def handle_uncaught(self, info: ExcInfo) -> bool:
        """An exception reached the event loop. If plugin code raised it, contain it there."""
        plugin_id = self.host.plugin_of_traceback(info)
        if plugin_id is None:
            return False
        tile = self.host.tile_with_open_screen(plugin_id)
        if tile is None:
            return False
        self.host.plugin_failed(tile, "event", info)
        return True


def install_exception_hook(window: ShellWindow) -> None:
    """Exceptions in slots and event handlers are logged and contained, never shown."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        info: ExcInfo = (kind, value, tb)
        try:
            if window.handle_uncaught(info):
                return
        except Exception:
            log.exception("while containing an exception")
        log.error("uncaught exception", exc_info=info)
        window.instance.report.add("shell", f"unexpected error: {value}", "")
        if previous is not sys.__excepthook__:
            previous(kind, value, tb)

    sys.excepthook = hook
