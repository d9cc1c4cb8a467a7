"""Shared fixtures and helpers. Every test gets its own Leling home; nothing touches the
real one."""

from __future__ import annotations

import email
import email.policy
import gc
import json
import os
import socket
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from launcher.core.instance import Instance
    from launcher.ui.shell import ShellWindow

# Without a display Qt would abort the whole run; tests always render offscreen.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("LANG", "C.UTF-8")
# Chromium (Qt WebEngine) reads its flags once per process: fake camera and microphone,
# so the video call pages can be granted them on a machine without either.
os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = "--use-fake-device-for-media-stream"

REPO = Path(__file__).resolve().parent.parent


class UnhurriedClock:
    """A clock on which every look is a second after the last.

    Tests tap faster than any person; on this clock every tap counts as deliberate, so
    the kit's double-tap rule and the quiet moment after a screen change never swallow a
    test's tap. Tests of those rules install a clock of their own.
    """

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture(autouse=True)
def _unhurried_taps() -> Iterator[None]:
    from launcher.ui.kit import TouchPolicy, configure_touch

    configure_touch(TouchPolicy(clock=UnhurriedClock()))
    yield
    configure_touch(TouchPolicy())


@pytest.fixture(autouse=True)
def _qt_objects_die_on_the_ui_thread() -> Iterator[None]:
    """After each test, delete the windows it closed and collect its garbage here.

    A window left to Python's garbage collector is destroyed on whichever thread happens
    to collect (a speech or server thread of a later test), and Qt then warns that its
    timers cannot be stopped from another thread.
    """
    yield
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture(autouse=True)
def _silent_voice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shells in tests speak through the silent speaker (no sound card here); the voice
    tests in test_voice.py put the real espeak-ng speaker back."""
    from launcher.speech.silent import SilentSpeaker

    def silent(settings: object) -> SilentSpeaker:
        speaker = SilentSpeaker("tests run without sound")
        speaker.start()
        return speaker

    monkeypatch.setattr("launcher.ui.voice.default_speaker_factory", silent)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Leling home, also set as LELING_HOME for code that reads the environment."""
    folder = tmp_path / "home"
    monkeypatch.setenv("LELING_HOME", str(folder))
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    return folder


MANIFEST = """\
id = "{id}"
version = "1.0.0"
api = 1
entry = "plugin:{cls}"
category = "tools"
permissions = {permissions}

[name]
zh_CN = "{zh}"
zh_HK = "{zh}"
en = "{en}"
ug = "{en}"

[description]
zh_CN = "测试插件"
zh_HK = "測試插件"
en = "A plugin for tests"
ug = "A plugin for tests"
"""


@pytest.fixture
def make_plugin(home: Path) -> Callable[..., Path]:
    """Write a plugin into the home's user plugin folder; returns its folder."""

    def make(
        plugin_id: str,
        code: str,
        *,
        cls: str = "TestPlugin",
        permissions: str = "[]",
        manifest: str | None = None,
        name_en: str | None = None,
    ) -> Path:
        folder = home / "plugins" / plugin_id
        folder.mkdir(parents=True, exist_ok=True)
        text = manifest or MANIFEST.format(
            id=plugin_id,
            cls=cls,
            permissions=permissions,
            zh=f"测试{plugin_id}",
            en=name_en or f"Test {plugin_id}",
        )
        (folder / "manifest.toml").write_text(text, encoding="utf-8")
        (folder / "plugin.py").write_text(textwrap.dedent(code), encoding="utf-8")
        return folder

    return make


@pytest.fixture
def restore_excepthook(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put back Python's exception hook after the test: building a shell window installs
    one of its own (``launcher.ui.app.build_window``)."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)


# -- the shell, as a test starts it ----------------------------------------------------------

#: The window size the tests lay the shell out at.
SHELL_SIZE = (1280, 800)


def open_test_instance(
    home: Path, *, locale: str | None = None, site: Path | None = None
) -> Instance:
    """Open the test home's profile as Leling would, without plugins from installed
    packages (entry points); ``locale`` is this run's ``--locale``, ``site`` its ``--site``."""
    from launcher.core.instance import Overrides, open_instance

    return open_instance(
        str(home), overrides=Overrides(locale=locale), site=site, entry_points=False
    )


def save_test_settings(instance: Instance, changes: Mapping[str, Any]) -> None:
    """Save ``changes`` over the profile's settings (top-level keys replaced whole)."""
    instance.store.save({**instance.settings, **changes}, "test set-up")


def show_shell(
    qtbot: Any,
    instance: Instance,
    *,
    windowed: bool = True,
    size: tuple[int, int] | None = SHELL_SIZE,
    wait_exposed: bool = True,
    said: Said | None = None,
) -> ShellWindow:
    """The shell's window for ``instance``, as ``leling`` builds it, shown and closed with
    the test. ``size`` None leaves it at the size it is built with; ``wait_exposed`` waits
    until it is on screen. ``said`` records what it says from before it is first shown."""
    from launcher.ui.app import build_window

    window = build_window(instance, windowed=windowed)
    qtbot.addWidget(window)
    if said is not None:
        record_speech(window, said)
    if size is not None:
        window.resize(*size)
    window.show()
    if wait_exposed:
        qtbot.waitExposed(window)
    return window


def start_shell(
    home: Path,
    qtbot: Any,
    settings: Mapping[str, Any] | None = None,
    *,
    locale: str | None = None,
    site: Path | None = None,
    windowed: bool = True,
    said: Said | None = None,
) -> ShellWindow:
    """A shell on the test home with ``settings`` saved over the profile's own (see
    open_test_instance and show_shell for the rest), 1280×800 and on screen."""
    instance = open_test_instance(home, locale=locale, site=site)
    if settings is not None:
        save_test_settings(instance, settings)
    return show_shell(qtbot, instance, windowed=windowed, said=said)


class Said(list[str]):
    """What the shell was asked to say, in order."""

    def text(self) -> str:
        """Everything said, one line."""
        return " | ".join(self)

    def heard(self, words: str) -> bool:
        """Whether ``words`` were part of anything said."""
        return any(words in text for text in self)


def record_speech(
    window: ShellWindow, said: Said | None = None, *, still_speak: bool = False
) -> Said:
    """Record what ``window`` is asked to say into ``said`` (a new Said if none is given)
    and return it. The recorder stands in for the shell's voice; with ``still_speak`` the
    words go on to the voice as well. The window is the test's own: nothing is put back."""
    record = Said() if said is None else said
    speak = window.voice.say

    def say(text: str, interrupt: bool = True) -> None:
        record.append(text)
        if still_speak:
            speak(text, interrupt=interrupt)

    window.voice.say = say  # type: ignore[method-assign]
    return record


def plugin_screen(window: ShellWindow, plugin_id: str | None = None) -> Any:
    """The plugin's own screen inside the frame on top of the shell. With ``plugin_id`` it
    is first asserted that a frame of that plugin is on top."""
    frame: Any = window.stack.currentWidget()
    if plugin_id is not None:
        from launcher.ui.shell import PluginFrame

        assert isinstance(frame, PluginFrame) and frame.tile.plugin_id == plugin_id
    return frame.content


def tap(qtbot: Any, widget: QWidget, *, wait: bool = False) -> None:
    """Tap ``widget`` as a finger would, once it is on screen: asserted to be visible, or
    with ``wait`` waited for until it is."""
    from PySide6.QtCore import Qt

    if wait:
        qtbot.waitUntil(widget.isVisible)
    else:
        assert widget.isVisible(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def helper_problems(window: ShellWindow) -> list[str]:
    """The problems the shell has reported for the helper, as they read them."""
    return [p.message for p in window.instance.report.problems()]


class PluginClock:
    """A plugin's clock, standing at the ``moment`` the test sets; it counts its ``looks``,
    so a test can wait until the plugin's timer has really looked (ticks_go_on)."""

    def __init__(self, moment: Any) -> None:
        self.moment = moment
        self.looks = 0

    def __call__(self) -> Any:
        self.looks += 1
        return self.moment


def ticks_go_on(qtbot: Any, clock: PluginClock, timeout: int = 20_000) -> None:
    """Wait until the plugin has looked at ``clock`` a few more times."""
    seen = clock.looks
    qtbot.waitUntil(lambda: clock.looks >= seen + 6, timeout=timeout)


# -- links the shell hands to the desktop ----------------------------------------------------


class CaughtLinks:
    """The links the shell handed to the desktop, in order, instead of a phone app or a
    browser opening them."""

    def __init__(self) -> None:
        self.urls: list[str] = []


@contextmanager
def catching_links(*schemes: str) -> Iterator[CaughtLinks]:
    """While open, links with these ``schemes`` (``tel``, ``https``, …) that the shell opens
    through QDesktopServices are caught in the CaughtLinks it yields."""
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QDesktopServices

    caught = CaughtLinks()

    class Catcher(QObject):
        @Slot(QUrl)
        def catch(self, url: QUrl) -> None:
            caught.urls.append(url.toString())

    catcher = Catcher()
    for scheme in schemes:
        # PySide6's stubs ask for bytes; at run time it takes only a str.
        QDesktopServices.setUrlHandler(scheme, catcher, "catch")  # type: ignore[arg-type]
    try:
        yield caught
    finally:
        for scheme in schemes:
            QDesktopServices.unsetUrlHandler(scheme)
        catcher.deleteLater()


# -- real peers on 127.0.0.1 -----------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler for the tests' own web servers: it keeps out of the test output,
    and ``send_body`` answers with a whole body."""

    def send_body(
        self,
        body: bytes,
        content_type: str,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer ``status`` with ``body``, its type, any other ``headers`` and its length."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_http(
    handler: Callable[..., BaseHTTPRequestHandler], port: int = 0
) -> ThreadingHTTPServer:
    """A web server on 127.0.0.1 (``port`` 0: any free one) answering with ``handler``
    from a daemon thread; stop it with stop_http."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop_http(server: ThreadingHTTPServer) -> None:
    """Stop a server from serve_http (once its loop has ended) and close its socket."""
    server.shutdown()
    server.server_close()


def serve_pages(
    pages: Mapping[str, str],
    *,
    redirects: Mapping[str, str] | None = None,
    asked: list[str] | None = None,
    port: int = 0,
) -> ThreadingHTTPServer:
    """A web site on 127.0.0.1 (see serve_http): the HTML ``pages`` by path, 404 for any
    other; ``redirects`` send a path elsewhere (302); each path asked for is appended to
    ``asked``."""

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            if asked is not None:
                asked.append(self.path)
            target = (redirects or {}).get(self.path)
            if target is not None:
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = pages.get(self.path, "").encode("utf-8")
            self.send_body(body, "text/html; charset=utf-8", 200 if body else 404)

    return serve_http(Handler, port)


class Mailbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.arrived:
            self.messages.append(envelope.content.decode("utf-8", "replace"))
            self.arrived.notify_all()
        return "250 OK"

    def mails(self) -> list[email.message.EmailMessage]:
        """The messages so far, parsed."""
        return [
            email.message_from_string(text, policy=email.policy.default) for text in self.messages
        ]


@pytest.fixture
def mail() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1: its mailbox and its port."""
    smtp = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd comes with the test extra")
    box = Mailbox()
    port = free_port()
    controller = smtp.Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def mail_to(port: int, address: str) -> str:
    """The alert channel (an Apprise URL) that mails ``address`` through the test mail
    server on ``port``."""
    return f"mailto://127.0.0.1:{port}?mode=insecure&from=leling@home.test&to={address}"


class Webhooks:
    """A plain HTTP receiver, started and stopped at will (an outage)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[dict[str, Any]] = []
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        """Listen (again) on the same port, keeping what was received before."""
        received = self.received

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = serve_http(Handler, self.port)

    def stop(self) -> None:
        """Stop listening, if it was."""
        if self.server is not None:
            stop_http(self.server)
            self.server = None

    @property
    def url(self) -> str:
        """The alert channel (an Apprise URL) that posts to this receiver."""
        return f"json://127.0.0.1:{self.port}/sos"


@pytest.fixture
def webhooks() -> Iterator[Webhooks]:
    """A webhook receiver, not yet listening (``start`` it); stopped after the test."""
    hooks = Webhooks()
    yield hooks
    hooks.stop()
