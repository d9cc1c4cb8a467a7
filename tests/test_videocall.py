"""The video call plugin: photo tiles, one Yes, then a Jitsi room, a SIP call through a
real baresip, or a link; calls the family starts from their phone; calm failures.

SIP runs against real baresip peers on 127.0.0.1. No Jitsi server can run here, so the
link is checked against the keys Jitsi's own source documents (tests/data). QtWebEngine
cannot start in this sandbox (no GPU, and Chromium refuses to run as root without
its sandbox), so the embedded call is driven through a stub web view, named as such.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    CaughtLinks,
    QuietHandler,
    catching_links,
    plugin_screen,
    serve_http,
    start_shell,
    stop_http,
    tap,
)
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget
from test_builtin_plugins import StubContext, StubTimer, plugin_class, plugin_module
from test_remote import Client, pair
from test_webapp import browser as browser

from launcher.api import Contact
from launcher.ui.webpage import PluginWebPage, web_engine_available

ROOT = Path(__file__).resolve().parent.parent
KEYS_FILE = ROOT / "tests" / "data" / "jitsi_hash_keys.txt"
BARESIP_READY = any(
    (Path(folder) / "baresip").is_file() for folder in os.environ.get("PATH", "").split(":")
)


def videocall() -> Any:
    return plugin_module("videocall")


def sub(name: str) -> Any:
    """One of the plugin's own modules (jitsi, sip), as the plugin imported it."""
    package = videocall().__name__.rpartition(".")[0]
    return sys.modules[f"{package}.{name}"]


class CallContext(StubContext):
    """StubContext plus what a calling plugin uses: one-shot timers, the senior's details,
    alerts to the family (recorded, with a chosen number of channels), the helper report
    and present()."""

    def __init__(self, *args: Any, channels: int = 1, senior: str = "Wang Fang", **kw: Any):
        super().__init__(*args, **kw)
        self.channels = channels
        self.senior_name = senior
        self.notified: list[dict[str, Any]] = []
        self.helper: list[str] = []
        self.presented: list[QWidget] = []

    def after(self, milliseconds: int, callback: Callable[[], None]) -> StubTimer:
        timer = self.every(milliseconds, callback)
        timer._timer.setSingleShot(True)
        return timer

    def senior(self) -> Any:
        from launcher.api import Senior

        self._require("senior")
        return Senior(self.senior_name, "", "", "", "120")

    def notify(self, title: str, body: str, *, to: str | None = None, key: str = "") -> int:
        self._require("notify")
        self.notified.append({"title": title, "body": body, "to": to, "key": key})
        return self.channels

    def tell_helper(self, problem: str) -> None:
        self.helper.append(problem)

    def present(self, screen: QWidget) -> None:
        self._require("messages")
        self.presented.append(screen)


FAMILY = [
    Contact("Li Hua", "Daughter", "139 0013 9000", None, channels=1),
    Contact(
        "Wang Ming", "Son", "138 0013 8000", None, video="link", video_address="weixin://dl/chat?wm"
    ),
    Contact("Dr Zhang", "Doctor", "010 6512 3456", None, video="none"),
]


@pytest.fixture
def make_call(tmp_path: Path, qtbot: Any) -> Iterator[Callable[..., tuple[Any, Any, CallContext]]]:
    made: list[tuple[Any, CallContext]] = []

    def make(**kwargs: Any) -> tuple[Any, Any, CallContext]:
        data_dir = tmp_path / "plugin-data" / "videocall"
        data_dir.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("contacts", FAMILY)
        kwargs.setdefault("config", {"embedded": False})
        context = CallContext("videocall", data_dir, **kwargs)
        plugin = plugin_class("videocall")(context)
        plugin.activate()
        screen = plugin.create_screen()
        qtbot.addWidget(screen)
        screen.resize(1200, 700)
        screen.show()
        qtbot.waitExposed(screen)
        made.append((plugin, context))
        return plugin, screen, context

    yield make
    for plugin, context in made:
        plugin.deactivate()
        context.stop_timers()
        assert not context.failures, context.failures


def start_call(qtbot: Any, screen: Any, index: int) -> None:
    """What the senior does: tap the relative's tile, then Yes."""
    tap(qtbot, screen.tiles[index], wait=True)
    assert screen.view is not None and screen.view.objectName() == "videocallConfirm"
    tap(qtbot, screen.view.yes_button, wait=True)


# -- rooms and links -------------------------------------------------------------------


def test_rooms_are_stable_per_relative_and_unguessable(tmp_path: Path) -> None:
    jitsi = (plugin_class("videocall"), sub("jitsi"))[1]
    secret = jitsi.room_secret(tmp_path / "a")
    assert jitsi.room_secret(tmp_path / "a") == secret and len(secret) == 32
    path = tmp_path / "a" / jitsi.SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    room = jitsi.room_name(secret, "Li Hua")
    assert room == jitsi.room_name(secret, " Li Hua ") != jitsi.room_name(secret, "Wang Ming")
    other = jitsi.room_secret(tmp_path / "b")
    assert jitsi.room_name(other, "Li Hua") != room
    assert "Li" not in room and room.isalnum() and len(room) >= 32


def documented_keys() -> dict[str, set[str]]:
    sections: dict[str, set[str]] = {}
    for line in KEYS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            section, key = line.split()
            sections.setdefault(section, set()).add(key)
    return sections


def test_call_link_uses_only_keys_the_jitsi_source_documents() -> None:
    jitsi = (plugin_class("videocall"), sub("jitsi"))[1]
    documented = documented_keys()
    name = 'Oma "Wang" & 王秀兰 = #1'
    url = jitsi.room_url("https://meet.example.org/", "LelingRoom", name)
    assert url.startswith("https://meet.example.org/LelingRoom#")
    # Jitsi splits the hash on & and =, so neither may appear inside a value.
    for part in url.split("#", 1)[1].split("&"):
        assert part.count("=") == 1, part
    settings = jitsi.hash_settings(url)
    assert settings["userInfo.displayName"] == name
    assert settings["config.prejoinConfig.enabled"] is False
    assert settings["config.startWithAudioMuted"] is False
    for key in settings:
        group, _, field = key.partition(".")
        if group == "config":
            assert field.split(".")[0] in documented["whitelist"], f"{key} is not overridable"
            assert field in documented["type"], f"{key} is not a documented config field"
        else:
            assert key in documented["userinfo"], f"{key} is not read from the link"
    # The old name is still whitelisted but the builder must use the current one.
    assert "config.prejoinPageEnabled" not in settings
    assert "userInfo.displayName" not in jitsi.hash_settings(jitsi.room_url("https://m.org", "R"))


# -- the screen -------------------------------------------------------------------------


def test_one_tile_per_relative_who_can_be_called(qtbot: Any, make_call: Any) -> None:
    _, screen, context = make_call(locale="zh_CN")
    assert [tile.text() for tile in screen.tiles] == ["Li Hua", "Wang Ming"]
    qtbot.waitUntil(lambda: all(tile.isVisible() for tile in screen.tiles))
    assert not screen.nav.isVisible()
    assert screen.tiles[0].accessibleDescription() == "点一下，和Li Hua视频通话"
    assert context.opened == [] and context.notified == []


def test_many_relatives_are_paged(qtbot: Any, make_call: Any) -> None:
    people = [Contact(f"Person {n}", "", "", None) for n in range(8)]
    _, screen, _ = make_call(contacts=people)
    qtbot.waitUntil(screen.nav.isVisible)
    assert sum(tile.isVisible() for tile in screen.tiles) == 6
    tap(qtbot, screen.next_button, wait=True)
    qtbot.waitUntil(lambda: screen.tiles[7].isVisible() and not screen.tiles[0].isVisible())
    assert screen.page_label.text() == "Page 2 of 2"


def test_jitsi_call_asks_first_tells_the_relative_and_opens_the_room(
    qtbot: Any, make_call: Any
) -> None:
    plugin, screen, context = make_call()
    start_call(qtbot, screen, 0)
    room = plugin.room("Li Hua")
    assert len(context.opened) == 1
    url = context.opened[0]
    assert url.startswith(f"https://meet.jit.si/{room}#")
    assert sub("jitsi").hash_settings(url)["userInfo.displayName"] == "Wang Fang"
    [alert] = context.notified
    assert alert["to"] == "Li Hua" and room in alert["body"] and alert["key"]
    assert alert["title"] == "Wang Fang is calling you on video"
    # The relative's link carries their own name, not the senior's.
    link = alert["body"].rsplit(" ", 1)[1]
    assert sub("jitsi").hash_settings(link)["userInfo.displayName"] == "Li Hua"
    assert screen.view.objectName() == "videocallInBrowser"
    tap(qtbot, screen.view.button, wait=True)
    qtbot.waitUntil(lambda: screen.tiles[0].isVisible())


def test_saying_no_calls_nobody(qtbot: Any, make_call: Any) -> None:
    _, screen, context = make_call()
    tap(qtbot, screen.tiles[0], wait=True)
    tap(qtbot, screen.view.no_button, wait=True)
    qtbot.waitUntil(lambda: screen.tiles[0].isVisible())
    assert context.opened == [] and context.notified == []


def test_a_relative_without_alert_channels_is_phoned_by_the_senior(
    qtbot: Any, make_call: Any
) -> None:
    _, screen, context = make_call(channels=0)
    start_call(qtbot, screen, 0)
    assert len(context.notified) == 1
    body = screen.view.body_label.text()
    assert context.tr("videocall.not_told", name="Li Hua") in body


def test_no_browser_gives_a_calm_message(qtbot: Any, make_call: Any) -> None:
    _, screen, context = make_call(open_result=False, locale="zh_CN")
    start_call(qtbot, screen, 0)
    assert screen.view.title_label.text() == context.tr("videocall.open_failed.title")
    tap(qtbot, screen.view.button, wait=True)
    qtbot.waitUntil(lambda: screen.tiles[1].isVisible())


def test_a_link_is_opened_as_it_is(qtbot: Any, make_call: Any) -> None:
    _, screen, context = make_call()
    start_call(qtbot, screen, 1)
    assert context.opened == ["weixin://dl/chat?wm"]
    assert context.notified == []
    assert screen.view.objectName() == "videocallLinkOpened"


def test_a_contact_without_an_address_tells_the_helper(qtbot: Any, make_call: Any) -> None:
    people = [Contact("Li Hua", "", "", None, video="sip")]
    _, screen, context = make_call(contacts=people)
    start_call(qtbot, screen, 0)
    assert context.helper and "video_address" in context.helper[0]
    assert screen.view.body_label.text() == context.tr("videocall.no_address.body", name="Li Hua")


class StubCallPage(QObject):
    """Stands in for a Jitsi page in Leling's web view (tests/test_webpage.py drives the
    real one): it reports a load result and a member count when the test says so."""

    loaded = Signal(bool)

    def __init__(self, url: str, media: bool) -> None:
        super().__init__()
        self.url = url
        self.media = media
        self.widget = QWidget()
        self.members = -1

    def run_script(self, script: str, callback: Callable[[object], None]) -> None:
        callback(self.members)

    def on_loaded(self, ok: bool) -> None:
        self.loaded.emit(ok)


@pytest.fixture
def stub_page(monkeypatch: pytest.MonkeyPatch) -> list[StubCallPage]:
    pages: list[StubCallPage] = []

    def web_page(context: CallContext, url: str, *, media: bool = False) -> StubCallPage:
        for permission in ("network", "camera", "microphone"):
            context._require(permission)
        page = StubCallPage(url, media)
        pages.append(page)
        return page

    monkeypatch.setattr(CallContext, "web_page", web_page, raising=False)
    monkeypatch.setattr(videocall(), "MEMBERS_POLL_MS", 20)
    return pages


def test_embedded_call_shows_the_room_and_hangs_up(
    qtbot: Any, make_call: Any, stub_page: list[StubCallPage]
) -> None:
    _, screen, context = make_call(config={"embedded": True})
    start_call(qtbot, screen, 0)
    [page] = stub_page
    assert context.opened == [] and page.url.startswith("https://meet.jit.si/Leling")
    assert page.media, "the call page may use the camera and microphone"
    call = screen.call_view
    assert call.content is page.widget and call.hang_up_button.property("role") == "danger"
    assert call.title_label.text() == "Calling Li Hua…"
    page.on_loaded(True)
    page.members = 2
    qtbot.waitUntil(lambda: call.title_label.text() == "Talking with Li Hua")
    tap(qtbot, call.hang_up_button, wait=True)
    assert screen.view.title_label.text() == "The call has ended"


def test_embedded_call_without_network_says_so(
    qtbot: Any, make_call: Any, stub_page: list[StubCallPage]
) -> None:
    _, screen, context = make_call(config={"embedded": True})
    start_call(qtbot, screen, 0)
    stub_page[0].on_loaded(False)
    assert screen.view.title_label.text() == context.tr("videocall.no_network.title")
    assert screen.view.button.text() == "Call someone else"


def test_nobody_answering_ends_the_call_calmly(
    qtbot: Any, make_call: Any, stub_page: list[StubCallPage], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(videocall(), "NO_ANSWER_MS", 200)
    _, screen, _ = make_call(config={"embedded": True})
    start_call(qtbot, screen, 0)
    stub_page[0].on_loaded(True)
    qtbot.waitUntil(lambda: screen.call_view is None, timeout=5000)
    assert screen.view.title_label.text() == "Li Hua did not answer"
    tap(qtbot, screen.view.button, wait=True)
    qtbot.waitUntil(lambda: screen.tiles[0].isVisible())


def test_sip_without_baresip_tells_the_helper_what_is_missing(
    qtbot: Any, make_call: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sub("sip"), "BARESIP", "baresip-not-installed-here")
    people = [Contact("Li Hua", "", "", None, video="sip", video_address="sip:li@127.0.0.1")]
    _, screen, context = make_call(contacts=people)
    start_call(qtbot, screen, 0)
    assert screen.view.title_label.text() == context.tr("videocall.not_set_up.title")
    [problem] = context.helper
    assert "baresip-not-installed-here" in problem and "baresip-core" in problem


def test_netstrings_are_framed_and_cut_like_baresip_does() -> None:
    sip = (plugin_class("videocall"), sub("sip"))[1]
    assert sip.netstring(b'{"a":1}') == b'7:{"a":1},'
    reader = sip.NetstringReader()
    assert reader.feed(b"3:abc,2:") == [b"abc"]
    assert reader.feed(b"hi,0:,") == [b"hi", b""]
    with pytest.raises(ValueError):
        sip.NetstringReader().feed(b"3:abcX")
    with pytest.raises(ValueError):
        sip.NetstringReader().feed(b"x3:abc,")


# -- SIP against real baresip peers ----------------------------------------------------


class BaresipPeer:
    """A real baresip on 127.0.0.1, as a relative's phone: it answers by itself (or
    not), and its events are collected over its own ctrl_tcp connection."""

    def __init__(self, folder: Path, *, answer: bool) -> None:
        sip = sub("sip")
        self.sip_port = sip.free_sip_port()
        control = sip.free_port()
        folder.mkdir(parents=True)
        (folder / "config").write_text(
            "\n".join(
                [
                    "poll_method epoll",
                    f"sip_listen 127.0.0.1:{self.sip_port}",
                    "net_interface 127.0.0.1",
                    "audio_player aubridge,peer",
                    "audio_source ausine,440",
                    "audio_alert aubridge,peer",
                    "module_path /usr/lib/baresip/modules",
                    "module opus.so",
                    "module ausine.so",
                    "module aubridge.so",
                    "module_app account.so",
                    "module_app menu.so",
                    "module_app ctrl_tcp.so",
                    f"ctrl_tcp_listen 127.0.0.1:{control}",
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        mode = ";answermode=auto" if answer else ""
        (folder / "accounts").write_text(
            f"<sip:li@127.0.0.1:{self.sip_port}>;regint=0{mode}\n", encoding="utf-8"
        )
        self.address = f"sip:li@127.0.0.1:{self.sip_port}"
        self.log = open(folder / "peer.log", "wb")
        self.process = subprocess.Popen(
            ["baresip", "-4", "-f", str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.events: list[str] = []
        self._control = control
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        sip = sub("sip")
        sock = None
        while sock is None and self.process.poll() is None:
            try:
                sock = socket.create_connection(("127.0.0.1", self._control), timeout=1)
            except OSError:
                self._ready.wait(0.05)
        if sock is None:
            return
        sock.settimeout(None)
        self._ready.set()
        reader = sip.NetstringReader()
        with sock:
            while True:
                try:
                    data = sock.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                for frame in reader.feed(data):
                    message = json.loads(frame)
                    if message.get("event"):
                        self.events.append(str(message.get("type")))

    def ready(self) -> bool:
        return self._ready.is_set()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def peer(tmp_path: Path, qtbot: Any) -> Iterator[Callable[..., BaresipPeer]]:
    peers: list[BaresipPeer] = []

    def start(answer: bool = True) -> BaresipPeer:
        one = BaresipPeer(tmp_path / f"peer{len(peers)}", answer=answer)
        peers.append(one)
        qtbot.waitUntil(one.ready, timeout=10_000)
        return one

    yield start
    for one in peers:
        one.stop()


def sip_call(make_call: Any, address: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    # No sound card here: the plugin's phone plays a tone and drops what it hears.
    monkeypatch.setattr(sub("sip"), "AUDIO", sub("sip").TEST_TONE)
    people = [Contact("Li Hua", "", "", None, video="sip", video_address=address)]
    return make_call(contacts=people, config={"sip_interface": "127.0.0.1"})


needs_baresip = pytest.mark.skipif(not BARESIP_READY, reason="baresip is not installed")


@needs_baresip
def test_sip_call_reaches_a_real_baresip_and_the_big_button_hangs_up(
    qtbot: Any, make_call: Any, peer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    li = peer(answer=True)
    _, screen, context = sip_call(make_call, li.address, monkeypatch)
    start_call(qtbot, screen, 0)
    call = screen.call_view
    assert call is not None and call.title_label.text() == "Calling Li Hua…"
    phone = screen.phone
    qtbot.waitUntil(lambda: call.title_label.text() == "Talking with Li Hua", timeout=20_000)
    config = (context.data_dir / "baresip" / "config").read_text(encoding="utf-8")
    assert "net_interface 127.0.0.1" in config and "ctrl_tcp_listen 127.0.0.1:" in config
    assert "CALL_ESTABLISHED" in li.events
    assert context.notified == []
    tap(qtbot, call.hang_up_button, wait=True)
    assert screen.view.title_label.text() == "The call has ended"
    qtbot.waitUntil(lambda: "CALL_CLOSED" in li.events, timeout=10_000)
    # The phone goes away once baresip has hung up; nothing is left running.
    qtbot.waitUntil(lambda: phone._process.poll() is not None, timeout=10_000)
    assert screen.phone is None


@needs_baresip
def test_sip_call_nobody_answers_in_time(
    qtbot: Any, make_call: Any, peer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(videocall(), "NO_ANSWER_MS", 1500)
    li = peer(answer=False)
    _, screen, _ = sip_call(make_call, li.address, monkeypatch)
    start_call(qtbot, screen, 0)
    qtbot.waitUntil(lambda: "CALL_INCOMING" in li.events, timeout=10_000)
    qtbot.waitUntil(lambda: screen.call_view is None, timeout=10_000)
    assert screen.view.title_label.text() == "Li Hua did not answer"
    qtbot.waitUntil(lambda: "CALL_CLOSED" in li.events, timeout=10_000)


@needs_baresip
def test_sip_call_refused_by_the_other_side_says_so(
    qtbot: Any, make_call: Any, peer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    li = peer(answer=False)
    _, screen, context = sip_call(make_call, li.address, monkeypatch)
    start_call(qtbot, screen, 0)
    qtbot.waitUntil(lambda: "CALL_INCOMING" in li.events, timeout=10_000)
    # The relative's phone shuts down while ringing; baresip turns the call down as it exits.
    li.process.terminate()
    qtbot.waitUntil(lambda: screen.call_view is None, timeout=20_000)
    assert screen.view.title_label.text() == context.tr("videocall.sip_failed.title", name="Li Hua")


# -- calls from the family, through the real shell and remote API ----------------------


@pytest.fixture
def catcher() -> Iterator[CaughtLinks]:
    """Receives ``https`` links the shell would hand to the desktop, so no browser starts."""
    with catching_links("https") as caught:
        yield caught


@pytest.fixture
def shell(home: Path, qtbot: Any, restore_excepthook: None) -> Iterator[tuple[Any, Client]]:
    """Wang Fang's shell (a clock and video calls, to Li Hua) with remote help on, and a
    client of its API."""
    window = start_shell(
        home,
        qtbot,
        {
            "senior": {"name": "Wang Fang", "address": ""},
            "tiles": [
                {"plugin": "clock"},
                {"plugin": "videocall", "config": {"embedded": False}},
            ],
            "contacts": [{"name": "Li Hua", "phone": "139 0013 9000"}],
        },
        locale="en",
    )
    remote = window.start_remote(port=0)
    yield window, Client(qtbot, remote.url)


def test_a_relative_rings_from_their_phone_and_the_senior_answers(
    qtbot: Any, shell: tuple[Any, Client], catcher: CaughtLinks
) -> None:
    from launcher.ui.shell import PluginFrame

    window, client = shell
    pair(qtbot, window, client, name="li hua")
    answer = client("POST", "/api/plugins/videocall", json={"action": "call"})
    assert answer.status_code == 200, answer.text
    reply = answer.json()
    # Matched to the contact despite the different spelling, and given their room.
    assert reply["name"] == "Li Hua" and reply["server"] == "https://meet.jit.si"
    assert reply["url"].startswith(f"https://meet.jit.si/{reply['room']}#")
    frame = window.stack.currentWidget()
    assert isinstance(frame, PluginFrame)
    screen: Any = frame.content
    question = screen.view
    assert question.objectName() == "videocallIncoming"
    assert question.question_label.text() == "Li Hua is calling"
    assert question.question_label.objectName() == "screenTitle"
    tap(qtbot, question.yes_button, wait=True)
    qtbot.waitUntil(lambda: len(catcher.urls) == 1)
    # The senior joins the same room as the relative, under the senior's own name.
    assert catcher.urls[0].split("#")[0] == reply["url"].split("#")[0]
    assert sub("jitsi").hash_settings(catcher.urls[0])["userInfo.displayName"] == "Wang Fang"
    assert window.host.unavailable == {}


def test_a_bad_call_message_is_refused_with_one_sentence(
    qtbot: Any, shell: tuple[Any, Client]
) -> None:
    window, client = shell
    pair(qtbot, window, client)
    before = window.stack.currentWidget()
    for body, word in (({}, "action"), ({"action": "dance"}, "action")):
        answer = client("POST", "/api/plugins/videocall", json=body)
        assert answer.status_code == 400
        assert word in answer.text
    assert window.stack.currentWidget() is before


def test_a_stranger_gets_a_room_of_their_own_and_a_missed_call(
    qtbot: Any, make_call: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin, _, context = make_call()
    answer = plugin.receive("Neighbour Chen", {"action": "call"})
    assert answer["name"] == "Neighbour Chen"
    assert answer["room"] == plugin.room("Neighbour Chen") != plugin.room("Li Hua")
    screen: Any = context.presented[0]
    qtbot.addWidget(screen)
    screen.show()
    assert screen.view.question_label.text() == "Neighbour Chen is calling"
    tap(qtbot, screen.view.no_button, wait=True)
    assert screen.view.title_label.text() == "You did not take the call"
    monkeypatch.setattr(videocall(), "NO_ANSWER_MS", 100)
    plugin.receive("Li Hua", {"action": "call"})
    later: Any = context.presented[1]
    qtbot.addWidget(later)
    later.show()
    qtbot.waitUntil(lambda: later.view.objectName() == "videocallMissed", timeout=5000)
    assert later.view.title_label.text() == "You missed a call from Li Hua"
    with pytest.raises(ValueError, match="action"):
        plugin.receive("Li Hua", {"action": 3})


STUB_JITSI = b"""<!doctype html><title>room</title><script>
// Stands in for a Jitsi room: the relative is "there" once the camera is granted.
window.APP = {conference: {membersCount: 1}};
navigator.mediaDevices.getUserMedia({audio: true, video: true})
  .then(() => { window.APP.conference.membersCount = 2; });
</script>"""


@pytest.mark.skipif(not web_engine_available(), reason="Qt WebEngine comes with PySide6")
def test_an_embedded_call_in_the_real_web_engine_against_a_stub_jitsi_page(
    qtbot: Any, make_call: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Room(QuietHandler):
        def do_GET(self) -> None:
            self.send_body(STUB_JITSI, "text/html")

    server = serve_http(Room)
    pages: list[PluginWebPage] = []

    def web_page(context: CallContext, url: str, *, media: bool = False) -> PluginWebPage:
        page = PluginWebPage(url, media=media)
        pages.append(page)
        return page

    monkeypatch.setattr(CallContext, "web_page", web_page, raising=False)
    monkeypatch.setattr(videocall(), "MEMBERS_POLL_MS", 50)
    try:
        port = server.server_address[1]
        _, screen, _ = make_call(config={"embedded": True, "server": f"http://127.0.0.1:{port}"})
        start_call(qtbot, screen, 0)
        call = screen.call_view
        qtbot.waitUntil(lambda: call.title_label.text() == "Talking with Li Hua", timeout=30_000)
        [page] = pages
        assert [granted for _, _, granted in page.decisions] == [True]
        tap(qtbot, call.hang_up_button, wait=True)
        assert screen.view.title_label.text() == "The call has ended"
    finally:
        stop_http(server)


def test_a_relative_rings_from_the_phone_app(
    qtbot: Any, shell: tuple[Any, Client], browser: Any
) -> None:
    from test_webapp import pair_in_browser, wait_for

    window, _client = shell
    window.instance.store.set("senior", {"name": "Margaret", "address": ""}, reason="test")
    assert pair_in_browser(window, browser, qtbot) == "Helping Margaret"

    def ring(driver: Any) -> str:
        wait_for(driver, "main[data-page=menu] a[href='#call']").click()
        wait_for(driver, "main[data-page=call] button").click()
        join = wait_for(driver, "main[data-page=call] a.button")
        assert (
            "Ringing on Margaret's screen" in driver.find_element("css selector", "main .lead").text
        )
        return str(join.get_attribute("href"))

    url = browser.run(ring)
    assert url.startswith("https://meet.jit.si/Leling")
    question = plugin_screen(window).view
    assert question.objectName() == "videocallIncoming"
    # Paired as "Mei", who is not among the contacts: a room of her own.
    assert question.question_label.text() == "Mei is calling"
