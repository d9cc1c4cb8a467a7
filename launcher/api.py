"""The plugin author's manual: everything a Leling plugin may import.

A plugin is a folder with ``manifest.toml`` and Python code. Its entry class (named in the
manifest as ``module:Class``) subclasses :class:`Plugin`. Leling imports the code only
when the senior first taps the tile, calls :meth:`Plugin.activate` once, and then
:meth:`Plugin.create_screen` each time the tile is opened.

Plugins import nothing from Leling but this module. Build screens from the widget kit
here so every plugin looks and behaves alike: large targets, large text, theme colours,
the same confirm pattern. The building blocks are :class:`Screen` (a column you fill),
:class:`BigLabel`, :class:`BigButton`, :class:`TileButton` and :class:`Canvas`. For the
common moments there are ready-made screens; return one from
:meth:`Plugin.create_screen`, or show them one after another in a :class:`ViewStack`
(a list, then a question, then the answer: ``stack.swap(view)``):

- :class:`ConfirmScreen`: one yes-or-no question before anything that costs money,
  calls someone, sends something or cannot be undone.
- :class:`ChoiceList`: pick one of several things (big rows, paged, never scrolled).
- :class:`MessageScreen`: say what happened, with one big OK.
- :class:`ProgressScreen`: something takes a while; shows progress and a big Cancel.
- :class:`NumberPad`: type a short number such as a PIN or a code.
- :class:`QrCanvas`: a QR code a phone can scan (a link to open there).
- :class:`HugeText`: a few characters as large as the space allows (a clock, a countdown,
  a number to dial).
- :class:`MessageLinks`: the links of a message someone sent, under its text: buttons
  when they come from a contact (:meth:`PluginContext.is_contact`), a spoken "cannot be
  opened" note when not. A tapped button goes to a :class:`LinkOpener`, which asks,
  checks the family's list of sites and opens the link or says calmly why not: the same
  way a relative's message on Leling's own screen does.

They speak the senior's language already (Yes, No, OK, Cancel …) and take their
colours and sizes from the theme; never set colours or fonts on them yourself.

Every kit button ignores accidental touches the same way (see :class:`TouchPolicy`):
a double tap counts once, a finger that slides away does not tap, a bouncing finger is
one tap, and when the senior's settings ask for it a button must be held until its bar
fills. Connect to ``clicked`` as usual; it is only emitted for a deliberate tap.

Failures are contained: if ``activate``, ``create_screen``, a timer started with
:meth:`PluginContext.every`, or a :class:`Canvas` paint raises, the senior sees a calm
"not available right now" screen, and the traceback goes to the log and the helper
report. Let exceptions propagate; do not show them.

A minimal plugin::

    from launcher.api import BigLabel, Plugin, Screen

    class HelloPlugin(Plugin):
        def create_screen(self):
            screen = Screen()
            screen.add(BigLabel(self.context.tr("hello")))
            return screen

Asking before acting, then saying what happened::

    from launcher.api import ConfirmScreen, MessageScreen, Plugin, Screen

    class CallPlugin(Plugin):
        def create_screen(self):
            tr = self.context.tr
            self.screen = Screen()
            self.ask = ConfirmScreen(tr("call.question"), tr("call.detail"))
            self.ask.confirmed.connect(self.call)
            self.ask.declined.connect(lambda: self.tell(tr("call.not_called")))
            self.screen.add(self.ask, 1)
            return self.screen

        def call(self):
            rang = self.context.open_url("tel:13800138000")
            self.tell(self.context.tr("call.ringing" if rang else "call.failed"))

        def tell(self, text):
            # Swap the question for the answer inside the plugin's own screen.
            self.ask.hide()
            self.screen.add(MessageScreen(text, "", button_text=""), 1)

:class:`TouchPolicy` and :func:`configure_touch` are exported so a plugin can read how
touches are judged; the shell sets the policy from the senior's settings, and plugins
should leave it alone.

"Show me how": a step-by-step guide in the manifest. When the manifest has one, the
shell puts a big "Show me how" beside the screen's title. It points at one control at a
time with a large arrow and a ring, shows and says the step, and waits: the senior does
the step for real (the tap goes through to your control, which does what it always
does), and the guide moves on once the next step's control is on screen, even on a new
screen your plugin brought up. The guide never taps anything itself. Steps whose control
is not on screen are passed over; after a tap the next control is waited for a few
seconds (a screen that loads) before it is passed over. So one guide can cover two ways
(booking by phone, or on the screen)::

    [[guide]]
    target = "contactCard"          # the control's objectName, or its accessible name
    text = { zh_CN = "点一下您想打电话的人。", en = "Touch the person you want to call." }

    [[guide]]
    target = "contactsCall"
    text.zh_CN = "点“打电话”。"
    text.en = "Touch Call to ring them."

    [[guide]]
    target = "clockTime"
    advance = "next"                # only points something out: the senior taps Next
    text = { zh_CN = "这是现在的时间。", en = "This is the time now." }

``target`` names a widget of the screen: its ``objectName`` (give the controls a guide
points at a stable one with ``setObjectName``), a name ending in ``*`` for every
objectName that starts alike (``"videocallTile*"``; the arrow takes the first on screen,
and a tap on any of them counts), or its accessible name. The kit's own controls are
named: ``confirmYes`` and ``confirmNo`` of a :class:`ConfirmScreen`, ``choiceRow`` for
each row of a :class:`ChoiceList`, ``messageDone`` for a :class:`MessageScreen`'s
button. ``text`` is a sentence or two (at most 200 characters) in each language, like
``name``; ``advance`` is ``tap`` (the default: the senior taps the target) or ``next``.
At most 12 steps. A guide with a mistake is left out with a message naming the file,
the step and the field (``leling plugins validate`` fails on it); the plugin works
without it.
"""

from __future__ import annotations

import abc
import base64
import binascii
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QWidget

from launcher.core.manifest import API_VERSION
from launcher.core.settings import atomic_write_bytes
from launcher.ui.kit import (
    BigButton,
    BigLabel,
    Canvas,
    ChoiceList,
    ConfirmScreen,
    HugeText,
    KitButton,
    MessageScreen,
    NumberPad,
    ProgressScreen,
    QrCanvas,
    Screen,
    TileButton,
    TouchPolicy,
    ViewStack,
    configure_touch,
    kit_text,
)
from launcher.ui.links import LinkOpener, MessageLinks

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "API_VERSION",
    "ActionHandler",
    "AlarmStatus",
    "BigButton",
    "BigLabel",
    "Canvas",
    "ChoiceList",
    "ConfirmScreen",
    "Contact",
    "HugeText",
    "KitButton",
    "LinkOpener",
    "MessageLinks",
    "MessageScreen",
    "NumberPad",
    "Plugin",
    "PluginContext",
    "ProgressScreen",
    "QColor",
    "QFont",
    "QIcon",
    "QPainter",
    "QPixmap",
    "QRect",
    "QRectF",
    "QSize",
    "QWidget",
    "QrCanvas",
    "Qt",
    "Screen",
    "Senior",
    "Signal",
    "TileButton",
    "Timer",
    "TouchPolicy",
    "ViewStack",
    "WebPage",
    "configure_touch",
    "decoded_picture",
    "decoded_upload",
    "media_player",
    "multimedia",
    "run_action",
    "write_file",
    "write_picture",
]


@dataclass(frozen=True)
class Contact:
    """A person from the senior's profile (read with the ``contacts`` permission)."""

    name: str
    #: How they are related, already in the current language ("Son", "儿子").
    relation: str
    phone: str
    #: The photo file, or None when the family has not added one yet.
    photo: Path | None
    #: Told when the senior raises an SOS.
    emergency: bool = False
    #: Which SOS circle: 1 is told first, 2 when circle 1 has not answered, then 3.
    circle: int = 1
    #: How a video call reaches them: ``jitsi``, ``sip``, ``link`` or ``none``.
    video: str = "jitsi"
    #: The SIP address or the link, for ``sip`` and ``link``.
    video_address: str = ""
    #: How many alert channels they have (0: an alert cannot reach them).
    channels: int = 0


@dataclass(frozen=True)
class Senior:
    """The senior's own details (read with the ``senior`` permission), as the family
    entered them; any may be empty."""

    name: str
    address: str
    #: Allergies, conditions and medicines a paramedic must know.
    medical: str
    #: ``"latitude,longitude"`` of the home, or empty.
    location: str
    #: The local emergency number (120, 999, 112…).
    emergency_number: str


@dataclass(frozen=True)
class AlarmStatus:
    """How an alarm raised with :meth:`PluginContext.raise_alarm` is going."""

    #: Who said "I've seen it" first (their name); empty while nobody has.
    acknowledged_by: str
    #: How many times it has gone out: 1 for the first circle, 2 once escalated…
    rounds: int
    #: Channels it has been queued to, in all rounds.
    channels: int
    #: Channels that have taken it.
    delivered: int
    #: Channels that failed at least once and are still being tried.
    retrying: int


class WebPage(Protocol):
    """A web page inside a plugin's screen, from :meth:`PluginContext.web_page`.

    Add :attr:`widget` to your screen. ``loaded`` is a signal: ``loaded.connect(fn)``,
    and ``fn(True)`` is called when the page has loaded, ``fn(False)`` when it could not
    (no network, the server is down): tell the senior in plain words then.

    ``refused`` is a signal too: ``fn(url)`` is called when the page tried to go to a
    site it may not (see :meth:`PluginContext.web_page`); the page stayed where it was,
    and the helper report names ``url`` already.
    """

    loaded: Any
    refused: Any

    @property
    def widget(self) -> QWidget:
        """The view to put in your screen."""

    def run_script(self, script: str, callback: Callable[[object], None]) -> None:
        """Run JavaScript ``script`` in the page; ``callback`` gets its value (None when
        it failed) on the UI thread."""

    def reload(self) -> None:
        """Load the page again (after ``loaded(False)``: "Try again")."""


class Timer(Protocol):
    """A repeating timer started by :meth:`PluginContext.every`."""

    def stop(self) -> None:
        """Stop calling back. Stopping twice is harmless."""


class PluginContext(Protocol):
    """What Leling gives a plugin. One context per tile: tiles of one plugin differ in config."""

    #: The plugin's id from its manifest.
    plugin_id: str
    #: Effective config of this tile: manifest defaults overlaid with the profile's values,
    #: already validated against the manifest's config schema.
    config: Mapping[str, Any]
    #: A folder the plugin may keep files in; it survives restarts.
    data_dir: Path
    #: Logs go to the instance's log file, never to the screen.
    log: logging.Logger

    @property
    def locale(self) -> str:
        """The current language, e.g. ``zh_CN`` or ``en``."""

    def tr(self, key: str, /, **values: object) -> str:
        """The plugin's message ``key`` from its ``locales/<locale>.po``, ``{name}`` filled in."""

    def localized(self, texts: Mapping[str, str] | str) -> str:
        """Pick the current language from ``{"zh_CN": …, "en": …}`` (plain text passes through)."""

    def tile_label(self) -> str:
        """The label of the tile that opened this plugin, in the current language."""

    def every(
        self, milliseconds: int, callback: Callable[[], None], *, background: bool = False
    ) -> Timer:
        """Call ``callback`` every ``milliseconds`` on the UI thread until stopped.

        The timer stops when the plugin's screen closes; with ``background`` it goes on
        while Leling runs (a reminder, following a taxi), and stops only when the plugin
        is turned off. Start background timers in :meth:`Plugin.activate`, and set
        ``background = true`` in the manifest so Leling activates the plugin soon after
        start-up, not only when the senior first opens it. If the callback raises, the
        timer stops and the senior sees the calm "not available" screen.
        """

    def after(
        self, milliseconds: int, callback: Callable[[], None], *, background: bool = False
    ) -> Timer:
        """Call ``callback`` once, ``milliseconds`` from now, on the UI thread.

        Like :meth:`every`, it is cancelled when the screen closes (unless
        ``background``), and a failure in the callback gives the calm "not available"
        screen.
        """

    def run_in_background(
        self,
        work: Callable[[], Any],
        then: Callable[[Any], None],
        *,
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run ``work()`` on a worker thread (network calls, big files), then
        ``then(result)`` on the UI thread. If ``work`` raises, ``failed(error)`` is called
        on the UI thread instead (tell the senior in plain words); without ``failed`` the
        error is the plugin's failure. ``work`` must not touch widgets or timers: only
        ``then`` and ``failed`` may.
        """

    def open_url(self, url: str) -> bool:
        """Open ``url`` (``https:``, ``tel:`` …) with the system handler. Needs ``open_url``.

        Returns False when nothing could open it; tell the senior in plain words then.
        """

    def contacts(self) -> list[Contact]:
        """The family and helpers from the profile, in order. Needs ``contacts``."""

    def is_contact(self, name: str) -> bool:
        """Whether ``name`` (who sent a message, as they paired with Leling) is one of the
        senior's contacts, the address book the family keeps; compared without case or
        outer spaces. Only a contact's links may become buttons (:class:`MessageLinks`):
        a paired helper may still be someone the senior was talked into allowing.

        Needs ``contacts``: even a yes or no tells whether a guessed name is in the
        senior's address book. Use it rather than matching names from :meth:`contacts`
        yourself.
        """

    def raise_alarm(self, title: str, body: str, *, key: str, acknowledge: str) -> int:
        """Raise an SOS. Needs ``alarm``.

        Every emergency contact of the first circle is alerted at once through their
        channels. When remote help is running, each alert ends with ``acknowledge`` (put
        ``{link}`` in it) holding that relative's own link to say "I've seen it";
        relatives in the remote-help app see the alarm there too. When nobody
        acknowledges within the profile's ``emergency.escalate_minutes``, the next circle
        is alerted, then everyone again, even across a restart of Leling. Like
        :meth:`notify`, it returns at once, with the number of channels of the first
        round (0: no emergency contact has a channel). The same ``key`` raises it once.
        """

    def alarm(self, key: str) -> AlarmStatus | None:
        """How the alarm raised with ``key`` is going, or None if there is none."""

    def tell_helper(self, problem: str) -> None:
        """Put a problem in the helper report (``leling report`` and remote help), once.

        For what the family must fix: name the file, field or value ("photo
        album/3f2a.jpg cannot be read"). Tell the senior in calm words yourself.
        """

    def senior(self) -> Senior:
        """The senior's name, address, medical notes and emergency number. Needs ``senior``."""

    def present(self, screen: QWidget) -> None:
        """Bring ``screen`` up now as this tile's screen, over whatever the senior is doing
        (an incoming call, a message from the family). Use it sparingly: it interrupts.
        The shell's Home and Back stay, so the senior can always leave it. Timers of the
        screen that was open stop; start the new screen's timers after calling this.
        """

    def say(self, text: str, *, interrupt: bool = False) -> None:
        """Read ``text`` aloud in the senior's language, after what is being said now
        (a screen brought up with :meth:`present` has its title read first), or at once
        with ``interrupt`` (a countdown). Silent when the senior has turned the voice off
        or there is no voice; never blocks. Titles, and controls the senior touches, are
        read by the shell already; use this for what changes by itself.
        """

    def last_touch(self) -> datetime | None:
        """When the senior last touched, clicked or typed anything in Leling since it
        started (local time, with its zone), or None if not yet. A daily check-in uses
        it to know the senior is up and about without asking."""

    def web_page(
        self, url: str, *, media: bool = False, sites: Sequence[str] = ()
    ) -> WebPage | None:
        """A web page showing ``url`` inside your screen, or None when this machine has no
        web engine (then open the link with :meth:`open_url`). Needs ``network``.

        With ``media`` (a video call), that page's own server may use the camera and the
        microphone; the manifest must list both permissions. Anything else a page asks for
        (location, notifications, screen capture, another server) is refused. Pages keep
        no cookies or history after they close.

        The page is site-locked, so a link cannot lead the senior to a look-alike site: it
        may go to ``url``'s own host and the hosts under it (your plugin's own server, as
        its config names it: a call server), to the hosts in ``sites`` that the page itself
        needs to move to (a sign-in page of that server; name only what it really uses),
        and to the sites the family allows in ``safety.allowed_sites``. Any other link,
        redirect or pop-up is refused and the page stays (see :attr:`WebPage.refused`);
        pop-ups to an allowed site open in the page's place. Frames inside the page and
        what it loads (pictures, scripts) are not locked.
        """

    def site_allowed(self, url: str) -> bool:
        """Whether the family lets ``url`` open (a web tile's address, a link in a message).

        The family's ``safety.allowed_sites`` lists host names, each allowing the names
        under it on a dot boundary (``gov.cn`` allows ``www.gov.cn``; never
        ``evil-gov.cn`` or ``gov.cn.evil.com``). While the list is empty the family has
        chosen nothing and any ``http``/``https`` address is allowed; other schemes never
        are. When this says no, tell the senior the site "is not on your family's list"
        and name ``url`` with :meth:`tell_helper`. For a link in a message,
        :class:`LinkOpener` does all of this.
        """

    def call_started(self) -> None:
        """The senior is now on a call through your plugin (ringing counts).

        While a call is under way, Leling keeps what would interrupt it (a relative
        asking to pair or to see the screen) waiting until it ends; scams come by phone
        and ask for exactly that. Call :meth:`call_ended` when it is over, however it
        ends. A call also ends when your screen closes or your plugin fails. Calling
        either twice is harmless.
        """

    def call_ended(self) -> None:
        """The call :meth:`call_started` announced is over (hung up, declined, failed)."""

    def notify(self, title: str, body: str, *, to: str | None = None, key: str = "") -> int:
        """Alert the family through their own channels (email, ntfy, WeCom, webhooks…).
        Needs ``notify``.

        ``to`` names one contact; None alerts every contact marked for emergencies. The
        alert waits in Leling's outbox until each channel has taken it, across outages and
        restarts, and never blocks the screen: this returns at once, with the number of
        channels it goes to (0: nobody has a channel; tell the senior in plain words).
        Give the same ``key`` for the same event (one press of SOS) and each channel gets
        it once, however often it is sent.
        """

    def ask_plugin(self, plugin_id: str, message: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Ask another plugin for something it shares (the medical card asks the medicine
        reminders for the current medicines).

        The first tile of ``plugin_id`` gets ``message`` in its :meth:`Plugin.receive`,
        with ``sender`` set to ``"plugin:<your id>"`` (so it can answer plugins with less
        than it tells the family), loaded and activated first if need be; its answer is
        returned. Returns None when no tile uses that plugin, it takes no messages (no
        ``messages`` permission), or it is not available. A :class:`ValueError` it
        raises (it does not understand the message) passes up. Plugins that answer
        other plugins say so, with the actions they take, in their module docstring.
        """


#: What answers one action of a relative's message: ``handler(sender, message)``.
ActionHandler = Callable[[str, Mapping[str, Any]], Mapping[str, Any]]


def run_action(
    sender: str, message: Mapping[str, Any], handlers: Mapping[str, ActionHandler]
) -> Mapping[str, Any]:
    """The usual body of :meth:`Plugin.receive`: call the handler named by the message's
    ``"action"``. A missing or unknown action raises :class:`ValueError` naming the
    actions there are, in the senior's language::

        def receive(self, sender, message):
            return run_action(sender, message, {"list": self._list, "add": self._add})
    """
    action = message.get("action")
    handler = handlers.get(action) if isinstance(action, str) else None
    if handler is None:
        raise ValueError(kit_text("kit.action", actions=", ".join(handlers)))
    return handler(sender, message)


_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_file(path: Path, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` so that a crash or a power cut leaves
    either the old file or the new one, never half of it. Folders are made as needed."""
    atomic_write_bytes(path, data.encode("utf-8") if isinstance(data, str) else data)


def write_picture(path: Path, picture: QPixmap, max_side: int, *, png: bool = False) -> None:
    """Save ``picture`` to ``path`` as a JPEG (or a PNG), scaled down to at most
    ``max_side`` pixels a side, as safely as :func:`write_file`. Raises :class:`OSError`
    when it cannot be encoded or written."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    if max(picture.width(), picture.height()) > max_side:
        picture = picture.scaled(
            max_side,
            max_side,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    encoded = QByteArray()
    buffer = QBuffer(encoded)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not picture.save(buffer, "PNG" if png else "JPEG", -1 if png else 90):
        raise OSError(f"cannot encode the picture for {path}")
    buffer.close()
    write_file(path, bytes(encoded.data()))


def decoded_upload(value: object, field: str, max_bytes: int) -> bytes:
    """The bytes of a file a relative sent in ``field`` of a message, as base64 text or a
    ``data:`` URL. Raises :class:`ValueError` naming the field, in the senior's language,
    when it is missing, not base64, or larger than ``max_bytes``.
    """
    if not isinstance(value, str) or not value:
        raise ValueError(kit_text("kit.upload.missing", field=field))
    encoded = value.split(",", 1)[1] if value.startswith("data:") and "," in value else value
    # Refused before decoding: a huge text costs nothing to turn away.
    if len(encoded) > max_bytes * 4 // 3 + 4:
        raise ValueError(kit_text("kit.upload.size", field=field, mb=max(1, max_bytes >> 20)))
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(kit_text("kit.upload.base64", field=field)) from None
    if len(data) > max_bytes:
        raise ValueError(kit_text("kit.upload.size", field=field, mb=max(1, max_bytes >> 20)))
    return data


def decoded_picture(value: object, field: str, max_bytes: int) -> tuple[bytes, QPixmap]:
    """A JPEG or PNG photo a relative sent in ``field`` (see :func:`decoded_upload`): its
    bytes and the picture. Checked by its bytes, not its name; a file of another kind or
    a damaged one raises :class:`ValueError` naming the field."""
    data = decoded_upload(value, field, max_bytes)
    if not (data.startswith(_JPEG_MAGIC) or data.startswith(_PNG_MAGIC)):
        raise ValueError(kit_text("kit.picture.type", field=field))
    picture = QPixmap()
    if not picture.loadFromData(data) or picture.isNull():
        raise ValueError(kit_text("kit.picture.damaged", field=field))
    return data, picture


class Plugin(abc.ABC):
    """Base class of a plugin's entry class.

    Override :meth:`create_screen`; override :meth:`activate` for one-time set-up and
    :meth:`deactivate` to let go of resources.
    """

    def __init__(self, context: PluginContext) -> None:
        self.context = context

    def activate(self) -> None:  # noqa: B027 (optional hook)
        """Called once, after the code is imported and before the first screen."""

    @abc.abstractmethod
    def create_screen(self) -> QWidget:
        """Build the screen shown when the tile is tapped (usually a :class:`Screen`)."""

    def deactivate(self) -> None:  # noqa: B027 (optional hook)
        """Called when Leling closes or the plugin is turned off."""

    def receive(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        """A relative sent this plugin ``message`` (parsed JSON) through remote help.

        Needs the ``messages`` permission. ``sender`` is the relative's name as they
        paired. Return a small JSON-able answer for the relative's app. Raise
        :class:`ValueError` with one sentence for the relative when the message is wrong
        (it becomes a clear error in their app, and nothing changes). To show something
        to the senior, call :meth:`PluginContext.present`. Runs on the UI thread, so keep
        it quick; the plugin is loaded and activated first if the senior has not opened
        it yet.
        """
        raise ValueError("this tile takes no messages")

    def screensaver(self) -> QWidget | None:
        """A screen to show after the senior has not touched anything for a while.

        When the senior's settings turn the screensaver on, Leling asks for it after
        ``screensaver.minutes`` without a touch or key on the home screen, and shows it
        over the whole window. Any touch or key takes it away, and that touch does
        nothing else. Return None (the default) when there is nothing to show. Timers
        started here with :meth:`PluginContext.every` stop when it goes away; a failure
        here is contained like one in :meth:`create_screen`.
        """
        return None


def multimedia() -> ModuleType:
    """Qt Multimedia (``QMediaDevices``, the enums of ``QMediaPlayer``…). To play sound,
    make the player with :func:`media_player`, not with ``QMediaPlayer()`` here.

    It is imported on the first call, because it loads FFmpeg and connects to the sound
    server: call it when the senior first asks for sound, never when your module is
    imported, so that neither start-up nor opening your tile pays for it. A source is
    given as a URL string (``Path.as_uri()`` for a file). A machine without a sound card
    still plays, silently, with the position advancing.
    """
    import PySide6.QtMultimedia

    return PySide6.QtMultimedia


def media_player() -> tuple[Any, Any]:
    """A ``QMediaPlayer`` with its own ``QAudioOutput``, ready to play:
    ``player, output = media_player()``; then ``player.setSource(url)`` and
    ``player.play()``, ``output.setVolume(0.5)``. Call :meth:`QObject.deleteLater` on both
    when you let them go. Imports Qt Multimedia on the first call (see :func:`multimedia`).

    Make players here, never with ``multimedia().QMediaPlayer()``: Qt's FFmpeg backend
    connects to and disconnects from the player and the output on its own threads, and
    each time PySide looks for a Python version of Qt's connectNotify/disconnectNotify,
    which needs Python's lock while Qt holds one of its own; with the UI thread holding
    Python's lock and waiting for that same Qt lock, Leling would freeze. A connection
    made and broken here, on the UI thread, lets PySide remember once and for all that
    there is none, so FFmpeg's threads never wait for Python.
    """
    media = multimedia()
    player = media.QMediaPlayer()
    output = media.QAudioOutput()
    player.setAudioOutput(output)

    def nothing(*_args: object) -> None:
        pass

    for signal in (player.sourceChanged, output.volumeChanged):
        signal.connect(nothing)
        signal.disconnect(nothing)
    return player, output
