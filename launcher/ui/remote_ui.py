"""Remote help on the senior's side: the QR code, the approval, announcements and undo.

:class:`RemoteHelp` runs the server (:mod:`launcher.remote.server`) for one shell window
and is the API's :class:`launcher.remote.api.LauncherSide`: it asks the senior to allow a
relative, applies and announces their changes with a one-tap Undo, and shows their
messages big and aloud. Requests are answered on the UI thread, handed over by a queued
signal, so the server thread never touches a widget.

Scam safety: the pairing screen and the approval question say, on screen and aloud, that
only family should help and that banks and police never ask to control the screen.
While the senior is on a call through Leling (``PluginHost.in_call``), a pairing request
or a request to see the screen is held, and asked about when the call ends: a caller
cannot talk the senior through saying yes, and the question does not cut the call off.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QObject,
    QPoint,
    QPointF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QWidget

from launcher.core.helpers import CODE_LIFETIME_S, Change, PairingRequest
from launcher.remote.api import ApiError, RemoteApi, Response, ScreenSession
from launcher.remote.server import UI_TIMEOUT_S, RemoteServer
from launcher.ui.kit import (
    MIN_TARGET,
    QR_SIDE,
    BigButton,
    BigLabel,
    ConfirmScreen,
    QrCanvas,
    Screen,
    _ScrollingText,
    _tighten,
)

if TYPE_CHECKING:
    from launcher.remote.broker import BrokerLink
    from launcher.ui.shell import ShellWindow

log = logging.getLogger("leling.remote")

DEFAULT_PORT = 8765


class _UiCaller(QObject):
    """Runs a function on the UI thread for the server thread, and hands back its answer."""

    job = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.job.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def _run(self, job: tuple[Callable[[], Response], Future[Response]]) -> None:
        work, future = job
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(work())
        except BaseException as exc:
            future.set_exception(exc)

    def __call__(self, work: Callable[[], Response]) -> Response:
        future: Future[Response] = Future()
        self.job.emit((work, future))
        try:
            return future.result(timeout=UI_TIMEOUT_S)
        except TimeoutError:
            future.cancel()
            raise


def lan_address() -> str:
    """This machine's address on the local network, as a phone there would reach it."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # No packet is sent: connecting a UDP socket only picks the outgoing interface.
        probe.connect(("10.255.255.255", 1))
        return str(probe.getsockname()[0])
    except OSError:
        return socket.gethostname()
    finally:
        probe.close()


class _ShellLinks:
    """What opening a link in a relative's message needs from the shell (for
    :class:`launcher.ui.links.LinkOpener`, which plugins' messages use too)."""

    def __init__(self, shell: ShellWindow) -> None:
        self.shell = shell

    def site_allowed(self, url: str) -> bool:
        from launcher.core.safety import SiteRule, allowed_sites

        return SiteRule(allowed_sites(self.shell.instance.settings)).opens(url)

    def open_url(self, url: str) -> bool:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        opened = bool(QDesktopServices.openUrl(QUrl(url)))
        if not opened:
            log.warning("no handler opened %s", url)
        return opened

    def tell_helper(self, problem: str) -> None:
        log.warning("%s", problem)
        self.shell.instance.report.add("remote", problem, once=True)

    def say(self, text: str, *, interrupt: bool = False) -> None:
        """Nothing more to say: the shell reads the title of each screen of its own as it
        comes up, and the opener's words are that title."""


class RemoteHelp(QObject):
    """The remote-help server of one shell, and what the senior sees of it."""

    def __init__(self, shell: ShellWindow, *, bind: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(shell)
        self.shell = shell
        self.api = RemoteApi(shell.instance, self)
        self._caller = _UiCaller(self)
        self.server = RemoteServer(
            self.api.handle,
            self._caller,
            answer_here=self.api.answer_here,
            bind=bind,
            port=port,
        )
        shell.screen_changed.connect(lambda _title: self.api.refresh_status())
        self.server.start()
        host, real_port = self.server.address
        shown = lan_address() if host in ("0.0.0.0", "") else host
        self.url = f"http://{shown}:{real_port}/"
        #: The connection to a broker, for relatives far away (None: local network only).
        self.broker: BrokerLink | None = None

    def start_broker(self, url: str) -> BrokerLink:
        """Connect out to the broker at ``url`` (once); LelingError if it cannot be used
        (a bad address, an unreadable identity). Connecting goes on in the background."""
        if self.broker is None:
            from launcher.remote.broker import BrokerLink

            link = BrokerLink(self.api, self._caller, url)
            link.start()
            self.shell.host.alerts_queued.connect(link.check_alarms)
            self.broker = link
        return self.broker

    def new_code(self) -> str:
        """A fresh pairing code (the QR screen shows it)."""
        return self.api.desk.new_code()

    def pairing_url(self, code: str) -> str:
        """The QR code's link. With a broker, the fragment (which never reaches a web
        server) carries the device id, its public key and the broker's WebSocket address,
        and the link opens the app wherever ``remote.app_url`` says."""
        chosen = self.shell.instance.settings.get("remote", {})
        websocket = str(chosen.get("broker_ws", ""))
        if self.broker is None or not websocket:
            if self.broker is not None:
                self.shell.instance.report.add(
                    "remote",
                    "remote.broker_ws is not set: relatives' phones cannot reach the broker "
                    "from afar; set it to the broker's WebSocket address (wss://…)",
                    once=True,
                )
            return f"{self.url}?c={code}"
        from urllib.parse import quote

        from launcher.core.e2e import b64url

        app = str(chosen.get("app_url", "")) or self.url
        identity = self.broker.identity
        joiner = "&" if "?" in app else "?"
        return (
            f"{app}{joiner}c={code}#d={identity.device}&k={b64url(identity.public_key)}"
            f"&b={quote(websocket, safe='')}"
        )

    def stop(self) -> None:
        if self.broker is not None:
            self.broker.stop()
        self.server.stop()

    # -- held while on a call --------------------------------------------------------------

    def _hold_during_call(self, item_id: str, ask: Callable[[], bool]) -> bool:
        """Keep a question for after the senior's call (in the shell's one queue of what
        waits for a call); False when there is no call. ``ask()`` puts it then, and says
        whether it still had something to ask."""

        def later() -> bool:
            self.api.held_for_call.discard(item_id)
            return ask()

        if not self.shell.hold_during_call(later, None):
            return False
        log.info("the senior is on a call: %s waits until it ends", item_id)
        self.api.held_for_call.add(item_id)
        return True

    # -- screen help --------------------------------------------------------------------

    def _ask_senior(
        self, question: str, detail: str, name: str, answer: Callable[[bool], None]
    ) -> ConfirmScreen:
        """A relative wants something: a big Yes and No, No holding the focus (a stray
        Enter must not let anyone in), read aloud as the screen's title."""
        tr = self.shell.instance.translator.tr
        confirm = ConfirmScreen(
            question,
            detail,
            yes_text=tr("remote.approve.yes"),
            no_text=tr("remote.approve.no"),
            dangerous=True,
        )
        confirm.setObjectName(name)
        confirm.confirmed.connect(lambda: answer(True))
        confirm.declined.connect(lambda: answer(False))
        self.shell.show_screen(confirm)
        return confirm

    def ask_screen_help(self, session: ScreenSession) -> None:
        if self._hold_during_call(session.id, lambda: self._ask_screen_later(session)):
            return
        tr = self.shell.instance.translator.tr
        confirm = self._ask_senior(
            tr("remote.screen.question", name=session.helper.name),
            tr("remote.screen.detail"),
            "screenApproval",
            lambda allow: self._decide_screen(session, allow),
        )
        # Which session it asks about: a relative who gives up waiting takes it away.
        confirm.setProperty("screenSession", session.id)

    def _ask_screen_later(self, session: ScreenSession) -> bool:
        if session.status != "waiting":  # the relative gave up meanwhile
            return False
        self.ask_screen_help(session)
        return True

    def _decide_screen(self, session: ScreenSession, allow: bool) -> None:
        self.shell.go_home()
        decided = self.api.screens.decide(session.id, allow)
        if decided is None or decided.status != "active":
            return
        tr = self.shell.instance.translator.tr
        banner = QFrame()
        banner.setObjectName("helpBanner")
        row = QHBoxLayout(banner)
        row.setContentsMargins(24, 8, 24, 8)
        row.setSpacing(24)
        words = BigLabel(tr("remote.screen.banner", name=session.helper.name), role="title")
        words.setObjectName("helpBannerText")
        stop = BigButton(tr("remote.screen.stop"), role="danger")
        stop.setObjectName("stopScreenHelp")
        stop.setAccessibleDescription(tr("remote.screen.stop.describe", name=session.helper.name))
        stop.setMinimumWidth(3 * MIN_TARGET)
        stop.clicked.connect(lambda: self._stop_screen(session))
        row.addWidget(words, 1)
        row.addWidget(stop)
        self.shell.set_banner(banner)
        self.shell.voice.say(tr("remote.screen.banner", name=session.helper.name), interrupt=False)
        self._expiry = QTimer(self)
        self._expiry.setInterval(5000)
        self._expiry.timeout.connect(self._check_screen)
        self._expiry.start()

    def _check_screen(self) -> None:
        for ended in self.api.screens.expire():
            self.screen_help_ended(ended)

    def _stop_screen(self, session: ScreenSession) -> None:
        self.api.screens.end(session, "stopped")
        self.screen_help_ended(session)

    def screen_help_ended(self, session: ScreenSession) -> None:
        page = self.shell.stack.currentWidget()
        if page is not None and page.property("screenSession") == session.id:
            self.shell.go_home()  # the relative stopped asking: the question goes away
            return
        if self.shell.banner is None or self.api.screens.active() is not None:
            return
        self.shell.set_banner(None)
        timer = getattr(self, "_expiry", None)
        if timer is not None:
            timer.stop()
        tr = self.shell.instance.translator.tr
        self.shell.voice.say(tr("remote.screen.ended", name=session.helper.name))

    def frame(self) -> bytes:
        picture = self.shell.grab().toImage()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        picture.save(buffer, "JPEG", 75)  # type: ignore[call-overload]
        buffer.close()
        return bytes(data.data())

    def tap(self, x: float, y: float) -> None:
        """A tap from the relative, as a finger would make it at that point."""
        point = QPoint(round(x * (self.shell.width() - 1)), round(y * (self.shell.height() - 1)))
        target = self.shell.childAt(point)
        if target is None:
            return
        local = QPointF(target.mapFrom(self.shell, point))
        where = QPointF(self.shell.mapToGlobal(point))
        for kind, buttons in (
            (QEvent.Type.MouseButtonPress, Qt.MouseButton.LeftButton),
            (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton),
        ):
            event = QMouseEvent(
                kind,
                local,
                where,
                Qt.MouseButton.LeftButton,
                buttons,
                Qt.KeyboardModifier.NoModifier,
            )
            QApplication.sendEvent(target, event)

    # -- the senior's screens ----------------------------------------------------------

    def show_pairing(self) -> None:
        """ "Let my family help": a big QR code with the link and code, and the code in
        large digits for reading out over the phone."""
        tr = self.shell.instance.translator.tr
        if self.shell.host.in_call():
            # No code while on a call: "let me help you, scan this" is how such calls go.
            # Said, not shown: a new screen would take the call's place and end it. The
            # shell's buttons here leave the call's screen first (which ends the call);
            # this keeps any other way here from showing a code mid-call.
            self.shell.voice.say(
                f"{tr('safety.pair.after_call.title')}. {tr('safety.pair.after_call.body')} "
                f"{tr('safety.pair.warning')}",
                interrupt=False,
            )
            return
        code = self.new_code()
        screen = Screen()
        screen.setObjectName("pairing")
        # The title goes in the header (see ShellWindow.current_title): the code needs
        # the height below it.
        screen.header_title = tr("remote.pair.title")  # type: ignore[attr-defined]
        # At large text the words scroll; the code itself always stays in view.
        _tighten(screen)
        screen.add(_ScrollingText(BigLabel(tr("remote.pair.steps"), role="body")), 1)
        # Outside the scrolling words: at any text size the warning stays in view.
        warning = BigLabel(tr("safety.pair.warning"), role="body")
        warning.setObjectName("pairingWarning")
        screen.add(warning)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(32)
        qr = QrCanvas(self.pairing_url(code))
        qr.setObjectName("pairingQr")
        qr.setAccessibleName(tr("remote.pair.qr"))
        qr.setAccessibleDescription(tr("remote.pair.qr"))
        layout.addWidget(qr, 1)
        digits = BigLabel(" ".join(code), role="huge")
        digits.setObjectName("pairingCode")
        digits.setAlignment(Qt.AlignmentFlag.AlignCenter)
        digits.setAccessibleName(tr("remote.pair.code", code=" ".join(code)))
        layout.addWidget(digits, 1)
        row.setFixedHeight(QR_SIDE)
        screen.add(row)
        self.shell.show_screen(screen)
        self.shell.voice.say(
            f"{tr('remote.pair.title')}. {tr('safety.pair.warning')} "
            f"{tr('remote.pair.code', code=' '.join(code))}",
            interrupt=False,
        )

    def ask_approval(self, request: PairingRequest) -> None:
        if self._hold_during_call(request.id, lambda: self._ask_approval_later(request)):
            return
        tr = self.shell.instance.translator.tr
        warning = tr("safety.pair.warning")
        self._ask_senior(
            tr("remote.approve.question", name=request.name),
            f"{warning}\n\n{tr('remote.approve.detail')}",
            "pairApproval",
            lambda allow: self._decide(request, allow),
        )
        # The question is read as the screen's title; the warning follows it.
        self.shell.voice.say(warning, interrupt=False)

    def _ask_approval_later(self, request: PairingRequest) -> bool:
        if request.status != "waiting":
            return False
        if self.api.desk.clock() > request.asked_at + CODE_LIFETIME_S:
            # Too late to ask: this marks it expired, and a relative waiting through the
            # broker is told so.
            self.api.desk.decide(request.id, False)
            return False
        self.ask_approval(request)
        return True

    def _decide(self, request: PairingRequest, allow: bool) -> None:
        decided = self.api.desk.decide(request.id, allow)
        tr = self.shell.instance.translator.tr
        if decided is not None and decided.status == "approved":
            self.shell.show_notice(
                tr("remote.approved", name=request.name), tr("remote.approved.detail")
            )
        else:
            self.shell.go_home()

    def settings_changed(self, change: Change, announcement: str) -> None:
        self.shell.apply_settings()
        self.api.refresh_status()
        tr = self.shell.instance.translator.tr
        undo = None if change.undone else lambda: self._undo_by_senior(change)
        self.shell.show_notice(announcement, "", undo_text=tr("remote.undo"), on_undo=undo)

    def _undo_by_senior(self, change: Change) -> None:
        tr = self.shell.instance.translator.tr
        try:
            self.api.undo(change.id, tr("remote.you"), tr)
        except ApiError as exc:
            self.shell.show_notice(str(exc.body["error"]), "")
            return
        self.shell.apply_settings()
        self.shell.show_notice(tr("remote.undone.senior"), "")

    def show_message(self, who: str, text: str) -> None:
        """A relative's message, big and aloud. Its links are buttons only when ``who`` is
        in the senior's contacts (a paired helper may still be someone the senior was
        talked into allowing); otherwise the page says why they cannot be opened. A tapped
        link opens the one way every message's links do (:class:`LinkOpener`)."""
        from launcher.core.safety import is_known_contact
        from launcher.ui.links import LinkOpener, link_buttons, openable_links
        from launcher.ui.shell import MessagePage

        tr = self.shell.instance.translator.tr
        title = tr("remote.message.title", who=who)
        from_contact = is_known_contact(self.shell.instance.settings, who)
        openable, why = openable_links(text, from_contact=from_contact)
        lines = [text, why] if why else [text]
        opener = LinkOpener(
            _ShellLinks(self.shell),
            sender=who,
            show=self.shell.show_screen,
            back=self.shell.go_home,
            back_text=tr("unavailable.home"),
        )
        buttons = tuple(link_buttons(openable, opener.ask))

        def show() -> None:
            self.shell.show_screen(MessagePage(self.shell, title, lines, "notice", buttons))
            for line in lines:
                self.shell.voice.say(line, interrupt=False)

        if not self.shell.hold_during_call(show, None):
            show()

    def plugin_message(
        self, plugin_id: str, sender: str, message: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        tile = self.shell.tile_for_plugin(plugin_id)
        if tile is None:
            return None
        return self.shell.host.receive(tile, sender, message)

    def alarm_acknowledged(self, who: str) -> None:
        tr = self.shell.instance.translator.tr
        self.shell.show_notice(
            tr("remote.ack.notice", name=who), tr("remote.ack.notice.body"), read_body=True
        )

    def helpers_changed(self) -> None:
        page = self.shell.stack.currentWidget()
        if page is not None and page.objectName() == "helpers":
            self.show_helpers()

    def screen(self) -> str:
        return self.shell.screen_kind()

    def show_helpers(self) -> None:
        """ "People who can help me", each with a big Remove."""
        tr = self.shell.instance.translator.tr
        screen = Screen()
        screen.setObjectName("helpers")
        title = BigLabel(tr("remote.helpers.title"), role="title")
        title.setObjectName("screenTitle")
        screen.add(title)
        helpers = self.api.book.helpers()
        if not helpers:
            screen.add(BigLabel(tr("remote.helpers.none"), role="body"))
        for helper in helpers:
            name = BigLabel(helper.name, role="title")
            remove = BigButton(tr("remote.helpers.remove"), role="danger")
            remove.setObjectName(f"removeHelper-{helper.id}")
            remove.setAccessibleName(tr("remote.helpers.remove_named", name=helper.name))
            remove.setAccessibleDescription(tr("remote.helpers.remove_detail"))
            remove.clicked.connect(lambda _=False, h=helper: self._confirm_removal(h.id, h.name))
            screen.add_row(name, remove, stretches=(2, 1))
        add = BigButton(tr("remote.pair.button"), role="primary")
        add.setObjectName("letFamilyHelp")
        add.setAccessibleDescription(tr("remote.pair.button.describe"))
        add.clicked.connect(self.show_pairing)
        screen.add_stretch()
        screen.add(add)
        self.shell.show_screen(screen)

    def _confirm_removal(self, helper_id: str, name: str) -> None:
        tr = self.shell.instance.translator.tr
        confirm = ConfirmScreen(tr("remote.helpers.remove_question", name=name), dangerous=True)
        confirm.setObjectName("removeHelper")
        confirm.confirmed.connect(lambda: self._remove(helper_id))
        confirm.declined.connect(self.show_helpers)
        self.shell.show_screen(confirm)

    def _remove(self, helper_id: str) -> None:
        # A relative paired through a broker is told (sealed) by the book's listener.
        self.api.book.revoke(helper_id)
        self.show_helpers()
