"""Video calls to the family: one big photo tile per relative, one tap and one Yes.

Each relative is reached their own way (``Contact.video``): a Jitsi Meet room (the
default), a SIP address rung through baresip, or a link opened as it is (WeChat,
WhatsApp…). Relatives can also ring the senior from their phone: the remote API hands
``{"action": "call"}`` to :meth:`VideoCallPlugin.receive`, which brings up "<name> is
calling" and answers with the room's link.

From the first ring until the call screen gives way (hung up, declined, failed), the
plugin tells Leling a call is under way (``PluginContext.call_started``), so nobody is
asked to pair or to see the screen in the middle of it. A call opened in the web browser
is outside Leling and is not counted.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any

from launcher.api import (
    BigButton,
    BigLabel,
    ConfirmScreen,
    Contact,
    MessageScreen,
    Plugin,
    PluginContext,
    QColor,
    QFont,
    QIcon,
    QPainter,
    QPixmap,
    QRectF,
    Qt,
    QWidget,
    Screen,
    Signal,
    TileButton,
    Timer,
)

from . import sip
from .jitsi import DEFAULT_SERVER, room_name, room_secret, room_url

#: How long a call may ring before the senior is told nobody answered. Tests shrink it.
NO_ANSWER_MS = 60_000
#: How often an embedded call asks its page whether the relative has joined.
MEMBERS_POLL_MS = 2_000
#: Asked of the page to learn whether the relative has joined: how many people are in
#: the conference (Jitsi's ``APP.conference.membersCount``), or -1 before it has loaded.
MEMBERS_SCRIPT = "(function(){try{return APP.conference.membersCount;}catch(e){return -1;}})()"


def members(value: object) -> int:
    """The page's answer to :data:`MEMBERS_SCRIPT` as a count (-1: it cannot tell)."""
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else -1


TILES_PER_PAGE = 6
TILE_COLUMNS = 3
AVATAR_PX = 256
#: Circle colours for people without a photo; white letters keep 7:1 contrast on each.
AVATAR_COLOURS = ("#174A87", "#8A2A24", "#245426", "#6A3FA0", "#7A3B00", "#00564B")


def avatar(contact: Contact) -> QPixmap:
    """The person's photo cut to a circle, or a coloured circle with their initial."""
    result = QPixmap(AVATAR_PX, AVATAR_PX)
    result.fill(Qt.GlobalColor.transparent)
    photo = QPixmap(str(contact.photo)) if contact.photo is not None else QPixmap()
    painter = QPainter(result)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setPen(Qt.PenStyle.NoPen)
        circle = QRectF(0, 0, AVATAR_PX, AVATAR_PX)
        if not photo.isNull():
            painter.setBrush(QColor("white"))
            painter.drawEllipse(circle)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
            scaled = photo.scaled(
                AVATAR_PX,
                AVATAR_PX,
                Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                Qt.TransformationMode.SmoothTransformation,
            )
            painter.drawPixmap(
                (AVATAR_PX - scaled.width()) // 2, (AVATAR_PX - scaled.height()) // 2, scaled
            )
            return result
        colour = AVATAR_COLOURS[zlib.crc32(contact.name.encode("utf-8")) % len(AVATAR_COLOURS)]
        painter.setBrush(QColor(colour))
        painter.drawEllipse(circle)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(AVATAR_PX * 0.5))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        letter = contact.name.strip()[:1].upper()
        painter.drawText(circle, int(Qt.AlignmentFlag.AlignCenter), letter)
    finally:
        painter.end()
    return result


def _box(widget: QWidget) -> Any:
    """The box layout the kit made for a Screen or one of its rows."""
    return widget.layout()


def _tight(screen: Screen) -> Screen:
    # The kit has no call for margins; a screen inside the plugin's screen needs none.
    _box(screen).setContentsMargins(0, 0, 0, 0)
    return screen


class CallView(Screen):
    """A call under way: what is happening in big words, and a huge red Hang up.

    ``content`` (the embedded call) takes the room above the button when there is one.
    """

    def __init__(self, title: str, body: str, hang_up_text: str, content: QWidget | None) -> None:
        super().__init__()
        _tight(self)
        self.title_label = BigLabel(title, role="title")
        # The shell reads a screen's title aloud when it appears.
        self.title_label.setObjectName("screenTitle")
        self.body_label = BigLabel(body, role="body")
        self.note_label = BigLabel("", role="body")
        self.note_label.hide()
        self.content = content
        self.add(self.title_label)
        self.add(self.body_label)
        self.add(self.note_label)
        if content is not None:
            self.add(content, 1)
        else:
            self.add_stretch()
        self.hang_up_button = BigButton(hang_up_text, role="danger")
        self.hang_up_button.setObjectName("videocallHangUp")
        self.hang_up_button.setAccessibleDescription(title)
        self.add(self.hang_up_button)

    def set_title(self, title: str, body: str) -> None:
        self.title_label.setText(title)
        self.body_label.setText(body)
        self.hang_up_button.setAccessibleDescription(title)

    def set_note(self, text: str) -> None:
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))


class VideoCallScreen(Screen):
    """The relatives as tiles; a call, a question or a message takes their place."""

    #: A baresip event, emitted on the worker thread and delivered on the UI thread.
    sip_event = Signal(object)

    def __init__(self, plugin: VideoCallPlugin) -> None:
        super().__init__()
        self._plugin = plugin
        self._context = plugin.context
        tr = self._context.tr
        self.people = [c for c in self._context.contacts() if c.video != "none"]
        self.page = 0
        self.view: QWidget | None = None
        self.calling: Contact | None = None
        self.call_view: CallView | None = None
        self.phone: sip.BaresipPhone | None = None
        self._dial_token = ""
        self._established = False
        self._hung_up = False
        self._no_answer: Timer | None = None
        self._poll: Timer | None = None
        self._count_members: Callable[[Callable[[int], None]], None] = lambda answer: None
        self._in_call = False
        self.sip_event.connect(self._on_sip_event, Qt.ConnectionType.QueuedConnection)

        self.tiles_view = _tight(Screen())
        self.add(self.tiles_view, 1)
        self.tiles = [self._tile(c) for c in self.people]
        self._grid: Screen | None = None
        self.previous_button = BigButton(tr("videocall.previous"))
        self.previous_button.clicked.connect(lambda: self.turn(-1))
        self.page_label = BigLabel("", role="body")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_button = BigButton(tr("videocall.next"))
        self.next_button.clicked.connect(lambda: self.turn(1))
        if not self.people:
            self.tiles_view.add(BigLabel(tr("videocall.empty.title"), role="title"))
            self.tiles_view.add(BigLabel(tr("videocall.empty.body"), role="body"))
            self.tiles_view.add_stretch()
            return
        self._holder = _tight(Screen())
        self.tiles_view.add(self._holder, 1)
        self.nav = self.tiles_view.add_row(
            self.previous_button, self.page_label, self.next_button, stretches=(1, 1, 1)
        )
        self._show_page()

    # -- the tiles -------------------------------------------------------------------

    def _tile(self, contact: Contact) -> TileButton:
        tile = TileButton(contact.name, QIcon(avatar(contact)))
        tile.setObjectName(f"videocallTile{self.people.index(contact)}")
        describe = self._context.tr("videocall.tile.describe", name=contact.name)
        tile.setAccessibleDescription(describe)
        tile.clicked.connect(lambda: self.ask(contact))
        return tile

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(len(self.tiles) / TILES_PER_PAGE))

    def turn(self, step: int) -> None:
        self.page = max(0, min(self.page_count - 1, self.page + step))
        self._show_page()

    def _show_page(self) -> None:
        for tile in self.tiles:
            tile.setParent(None)
        if self._grid is not None:
            self._grid.setParent(None)
            self._grid.deleteLater()
        grid = _tight(Screen())
        shown = self.tiles[self.page * TILES_PER_PAGE : (self.page + 1) * TILES_PER_PAGE]
        columns = min(TILE_COLUMNS, len(shown))
        for start in range(0, len(shown), columns):
            chunk = shown[start : start + columns]
            # Empty places keep a short last row's tiles as wide as the ones above.
            fillers = [QWidget() for _ in range(columns - len(chunk))]
            row = grid.add_row(*chunk, *fillers, stretches=(1,) * columns)
            # Rows share the height: tiles grow with the screen.
            _box(grid).setStretchFactor(row, 1)
        self._holder.add(grid, 1)
        self._grid = grid
        self.nav.setVisible(self.page_count > 1)
        self.previous_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.page_count - 1)
        self.page_label.setText(
            self._context.tr("videocall.page", page=self.page + 1, pages=self.page_count)
        )

    def show_tiles(self) -> None:
        self._end_call()
        self._replace(None)
        self.tiles_view.show()

    def _replace(self, widget: QWidget | None, *, call: bool = False) -> None:
        """Show ``widget`` in place of the tiles; ``call``: it is a call ringing or under
        way (anything else means the call is over)."""
        if call != self._in_call:
            self._in_call = call
            if call:
                self._context.call_started()
            else:
                self._context.call_ended()
        if self.view is not None:
            self.view.hide()
            self.view.setParent(None)
            self.view.deleteLater()
        self.view = widget
        self.call_view = widget if isinstance(widget, CallView) else None
        if widget is not None:
            self.tiles_view.hide()
            self.add(widget, 1)
            widget.show()

    def tell(self, title: str, body: str) -> MessageScreen:
        """A calm message with one way on: back to the tiles to call someone else."""
        self._end_call()
        message = MessageScreen(
            title, body, button_text=self._context.tr("videocall.try_someone_else")
        )
        message.setObjectName("videocallMessage")
        message.done.connect(self.show_tiles)
        self._replace(message)
        return message

    # -- asking, then calling ----------------------------------------------------------

    def ask(self, contact: Contact) -> None:
        tr = self._context.tr
        question = ConfirmScreen(
            tr("videocall.confirm.question", name=contact.name),
            tr("videocall.confirm.detail", name=contact.name),
            yes_text=tr("videocall.confirm.yes"),
            no_text=tr("videocall.confirm.no"),
        )
        question.setObjectName("videocallConfirm")
        question.confirmed.connect(lambda: self.call(contact))
        question.declined.connect(self.show_tiles)
        self._replace(question)

    def call(self, contact: Contact) -> None:
        if contact.video == "sip":
            self._call_sip(contact)
        elif contact.video == "link":
            self._open_link(contact)
        else:
            url = self._plugin.room_link(contact.name, self._plugin.senior_name())
            told = self._plugin.tell_relative(contact)
            self._join(contact, url, told)

    def incoming(self, name: str, url: str) -> None:
        """ "<name> is calling" with a big Answer and Decline."""
        tr = self._context.tr
        question = ConfirmScreen(
            tr("videocall.incoming.title", name=name),
            tr("videocall.incoming.detail", name=name),
            yes_text=tr("videocall.incoming.answer"),
            no_text=tr("videocall.incoming.decline"),
        )
        question.setObjectName("videocallIncoming")
        contact = self._plugin.contact_named(name) or Contact(name, "", "", None)
        question.confirmed.connect(lambda: self._join(contact, url, None))
        question.declined.connect(
            lambda: self.tell(tr("videocall.declined.title"), tr("videocall.call_back", name=name))
        )
        self._replace(question, call=True)
        self.calling = contact
        self._no_answer = self._context.after(NO_ANSWER_MS, lambda: self._missed(name))

    def _missed(self, name: str) -> None:
        tr = self._context.tr
        message = self.tell(
            tr("videocall.missed.title", name=name), tr("videocall.call_back", name=name)
        )
        message.setObjectName("videocallMissed")

    # -- Jitsi ---------------------------------------------------------------------------

    def _join(self, contact: Contact, url: str, told: int | None) -> None:
        self._stop_timers()
        embedded = bool(self._context.config.get("embedded", True))
        tr = self._context.tr
        note = ""
        if told == 0:
            note = tr("videocall.not_told", name=contact.name)
        page = self._context.web_page(url, media=True) if embedded else None
        if page is not None:
            self.calling = contact
            self._established = False
            page.loaded.connect(self._page_loaded)
            self._count_members = lambda answer: page.run_script(
                MEMBERS_SCRIPT, lambda value: answer(members(value))
            )
            view = page.widget
            call = CallView(
                tr("videocall.calling.title", name=contact.name),
                tr("videocall.calling.body", name=contact.name),
                tr("videocall.hangup"),
                view,
            )
            call.set_note(note)
            call.hang_up_button.clicked.connect(self.hang_up)
            self._replace(call, call=True)
            self._no_answer = self._context.after(NO_ANSWER_MS, self._nobody_answered)
            self._poll = self._context.every(MEMBERS_POLL_MS, self._ask_members)
            return
        if self._context.open_url(url):
            body = tr("videocall.browser.body", name=contact.name)
            message = self.tell(tr("videocall.browser.title"), f"{body}\n\n{note}".strip())
            message.setObjectName("videocallInBrowser")
        else:
            self._cannot_open()

    def _page_loaded(self, ok: bool) -> None:
        if not ok and self.call_view is not None and not self._established:
            tr = self._context.tr
            self.tell(tr("videocall.no_network.title"), tr("videocall.no_network.body"))

    def _ask_members(self) -> None:
        view = self.call_view
        if view is None or self._established:
            return
        self._count_members(self._members_counted)

    def _members_counted(self, count: int) -> None:
        if count >= 2 and self.call_view is not None and not self._established:
            self._talking()

    # -- SIP -------------------------------------------------------------------------------

    def _call_sip(self, contact: Contact) -> None:
        tr = self._context.tr
        program = sip.baresip_program()
        if program is None:
            self._context.tell_helper(
                f"video calls to {contact.name} use SIP, but the program '{sip.BARESIP}' is "
                "not installed: install the package baresip-core (Debian, Ubuntu)"
            )
            self.tell(tr("videocall.not_set_up.title"), tr("videocall.not_set_up.body"))
            return
        address = contact.video_address.strip()
        if not address:
            self._missing_address(contact)
            return
        if not address.startswith(("sip:", "sips:")):
            address = "sip:" + address
        self.calling = contact
        self._established = False
        self._hung_up = False
        folder = self._context.data_dir / "baresip"
        phone = sip.BaresipPhone(
            program,
            folder,
            self.sip_event.emit,
            interface=str(self._context.config.get("sip_interface", "")).strip(),
            account=str(self._context.config.get("sip_account", "")).strip(),
            log=self._context.log,
        )
        self.phone = phone
        self._plugin.phones = [p for p in self._plugin.phones if p.running] + [phone]
        call = CallView(
            tr("videocall.calling.title", name=contact.name),
            tr("videocall.calling.sip_body", name=contact.name),
            tr("videocall.hangup"),
            None,
        )
        call.hang_up_button.clicked.connect(self.hang_up)
        self._replace(call, call=True)
        # A call needs its screen, where the senior hangs up: leaving it ends the call.
        self.destroyed.connect(phone.stop)
        phone.start()
        self._dial_token = phone.dial(address)
        self._no_answer = self._context.after(NO_ANSWER_MS, self._nobody_answered)

    def _on_sip_event(self, message: Any) -> None:
        if not isinstance(message, dict) or self.phone is None:
            return
        tr = self._context.tr
        name = self.calling.name if self.calling is not None else ""
        if message.get("response"):
            if message.get("token") == self._dial_token and not message.get("ok", True):
                self._context.log.warning("baresip refused to dial: %s", message.get("data"))
                self._drop_phone()
                self.tell(
                    tr("videocall.sip_failed.title", name=name),
                    tr("videocall.sip_failed.body", name=name),
                )
            return
        kind = message.get("type")
        if kind == "CALL_ESTABLISHED":
            self._talking()
        elif kind == "CALL_CLOSED" or kind == sip.LELING_FAILED:
            self._drop_phone()
            if self._hung_up:
                return
            if self._established:
                self.tell(tr("videocall.ended.title"), tr("videocall.ended.body"))
            else:
                self._context.log.warning("call to %s failed: %s", name, message.get("param"))
                self.tell(
                    tr("videocall.sip_failed.title", name=name),
                    tr("videocall.sip_failed.body", name=name),
                )

    # -- links -------------------------------------------------------------------------------

    def _open_link(self, contact: Contact) -> None:
        tr = self._context.tr
        link = contact.video_address.strip()
        if not link:
            self._missing_address(contact)
            return
        if self._context.open_url(link):
            message = self.tell(
                tr("videocall.link.title", name=contact.name), tr("videocall.link.body")
            )
            message.setObjectName("videocallLinkOpened")
        else:
            self._cannot_open()

    # -- together ----------------------------------------------------------------------------

    def _talking(self) -> None:
        self._established = True
        self._stop_timers()
        if self.call_view is not None and self.calling is not None:
            tr = self._context.tr
            self.call_view.set_title(
                tr("videocall.talking.title", name=self.calling.name),
                tr("videocall.talking.body"),
            )

    def hang_up(self) -> None:
        self._hung_up = True
        phone = self.phone
        if phone is not None:
            phone.hangup()
            # The phone stops itself when baresip reports the call closed.
        tr = self._context.tr
        self.tell(tr("videocall.ended.title"), tr("videocall.ended.body"))

    def _nobody_answered(self) -> None:
        tr = self._context.tr
        name = self.calling.name if self.calling is not None else ""
        self._hung_up = True
        if self.phone is not None:
            self.phone.hangup()
        self.tell(
            tr("videocall.no_answer.title", name=name), tr("videocall.no_answer.body", name=name)
        )

    def _cannot_open(self) -> None:
        tr = self._context.tr
        self.tell(tr("videocall.open_failed.title"), tr("videocall.open_failed.body"))

    def _missing_address(self, contact: Contact) -> None:
        tr = self._context.tr
        self._context.tell_helper(
            f"contact {contact.name!r} has video '{contact.video}' but no video_address"
        )
        self.tell(
            tr("videocall.not_set_up.title"), tr("videocall.no_address.body", name=contact.name)
        )

    def _stop_timers(self) -> None:
        for timer in (self._no_answer, self._poll):
            if timer is not None:
                timer.stop()
        self._no_answer = self._poll = None

    def _drop_phone(self) -> None:
        phone, self.phone = self.phone, None
        if phone is not None:
            phone.stop()

    def _end_call(self) -> None:
        """Leave whatever call was under way; a SIP phone ends once baresip has hung up."""
        self._stop_timers()
        if self.phone is not None and not self._hung_up:
            self._hung_up = True
            self.phone.hangup()


class VideoCallPlugin(Plugin):
    """Video calls to the family, and calls the family starts from their phone."""

    def __init__(self, context: PluginContext) -> None:
        super().__init__(context)
        self.phones: list[sip.BaresipPhone] = []
        self._secret: bytes | None = None

    def create_screen(self) -> QWidget:
        return VideoCallScreen(self)

    def deactivate(self) -> None:
        for phone in self.phones:
            phone.shut_down()
        self.phones.clear()

    # -- rooms --------------------------------------------------------------------------

    @property
    def server(self) -> str:
        return str(self.context.config.get("server", "") or DEFAULT_SERVER)

    def room(self, person: str) -> str:
        if self._secret is None:
            self._secret = room_secret(self.context.data_dir)
        return room_name(self._secret, person)

    def room_link(self, person: str, display_name: str) -> str:
        """The link to the room of the senior and ``person``, for ``display_name``."""
        return room_url(self.server, self.room(person), display_name)

    def senior_name(self) -> str:
        return self.context.senior().name.strip()

    def contact_named(self, name: str) -> Contact | None:
        wanted = name.strip().casefold()
        people = self.context.contacts()
        return next((c for c in people if c.name.strip().casefold() == wanted), None)

    def tell_relative(self, contact: Contact) -> int:
        """Send ``contact`` the link to join; the number of channels it goes to."""
        tr = self.context.tr
        senior = self.senior_name() or tr("videocall.someone")
        link = self.room_link(contact.name, contact.name)
        return self.context.notify(
            tr("videocall.notify.title", senior=senior),
            tr("videocall.notify.body", senior=senior, link=link),
            to=contact.name,
            # One alert per call: a second tap within the minute is the same call.
            key=f"call-{self.room(contact.name)}-{int(time.time() // 60)}",
        )

    # -- calls from the family -------------------------------------------------------------

    def receive(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        action = message.get("action") if isinstance(message, Mapping) else None
        if action is None:
            raise ValueError('The field "action" is missing; send {"action": "call"}.')
        if action != "call":
            raise ValueError(f'The field "action" must be "call", not {action!r}.')
        contact = self.contact_named(sender)
        name = contact.name if contact is not None else sender.strip()
        if not name:
            raise ValueError("The sender has no name, so no room can be made for them.")
        screen = VideoCallScreen(self)
        self.context.present(screen)
        screen.incoming(name, self.room_link(name, self.senior_name()))
        return {
            "url": self.room_link(name, name),
            "room": self.room(name),
            "server": self.server,
            "name": name,
        }
