"""Remote help through a real mosquitto on 127.0.0.1, set up as a family would: a password
file, ACLs (the launcher may use only its own topics; a relative may only pair, send
requests and read answers) and a WebSocket listener for the relatives' phones.

The relative here is a pure-Python client that speaks only to the broker, over
WebSockets, with the relative's side of :mod:`launcher.core.e2e`: everything it knows of
the launcher is what the QR code's fragment carries."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import free_port, helper_problems, open_test_instance, save_test_settings, show_shell
from PySide6.QtCore import Qt

from launcher.core.e2e import DeviceIdentity, RelativeEnd, SealError, from_b64url
from launcher.remote.broker import BrokerLink
from launcher.ui.shell import ShellWindow

pytest.importorskip("paho.mqtt", reason="paho-mqtt is a dependency of Leling")
pytest.importorskip("cryptography", reason="cryptography is a dependency of Leling")

WAIT_MS = 20_000
PASSWORDS = {"grandma-pc": "launcher-pw", "relative": "family-pw", "spy": "spy-pw"}

pytestmark = pytest.mark.usefixtures("restore_excepthook")


class Mosquitto:
    """mosquitto with users, ACLs, a TCP and a WebSocket listener; can be restarted."""

    def __init__(self, folder: Path, device: str) -> None:
        self.folder = folder
        self.port, self.ws_port = free_port(), free_port()
        passwd = folder / "passwd"
        for number, (user, password) in enumerate(PASSWORDS.items()):
            create = ["-c"] if number == 0 else []
            subprocess.run(
                ["mosquitto_passwd", *create, "-b", str(passwd), user, password], check=True
            )
        acl = folder / "acl"
        acl.write_text(
            "user grandma-pc\n"
            f"topic readwrite leling/{device}/#\n"
            "user relative\n"
            "topic write leling/+/pair\n"
            "topic write leling/+/in/+\n"
            "topic read leling/+/out/+\n"
            "topic read leling/+/presence\n"
            "user spy\n"
            "topic read #\n"
        )
        self.config = folder / "mosquitto.conf"
        self.config.write_text(
            # As root, mosquitto would drop to the user "mosquitto", who cannot read the
            # test's files; anyone else stays who they are.
            "user root\n"
            "per_listener_settings false\n"
            "allow_anonymous false\n"
            f"password_file {passwd}\n"
            f"acl_file {acl}\n"
            "persistence false\n"
            f"listener {self.port} 127.0.0.1\n"
            f"listener {self.ws_port} 127.0.0.1\n"
            "protocol websockets\n"
        )
        self.log = folder / "mosquitto.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["mosquitto", "-c", str(self.config)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto stopped: {self.log.read_text()!r}")
            try:
                for port in (self.port, self.ws_port):
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)  # polling a port that is coming up, not waiting on Leling
        raise RuntimeError("mosquitto did not start listening")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def url(self, user: str = "grandma-pc") -> str:
        return f"mqtt://{user}:{PASSWORDS[user]}@127.0.0.1:{self.port}"


def mqtt_client(
    mosquitto: Mosquitto, user: str, topics: list[str], on_message: Callable[[Any], None]
) -> Any:
    """A client of the relatives' kind: over WebSockets, with a user and password."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, transport="websockets")
    client.ws_set_options(path="/mqtt")
    client.username_pw_set(user, PASSWORDS[user])
    subscribed = threading.Event()
    client.on_connect = lambda c, *_: c.subscribe([(topic, 1) for topic in topics])
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_message = lambda _c, _u, message: on_message(message)
    client.connect("127.0.0.1", mosquitto.ws_port)
    client.loop_start()
    assert subscribed.wait(10), "the client could not subscribe"
    return client


class Relative:
    """A relative's phone: knows the device id, its key and the broker from the QR code."""

    def __init__(
        self, qtbot: Any, mosquitto: Mosquitto, qr_link: str, end: RelativeEnd | None = None
    ) -> None:
        fragment = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(qr_link).fragment))
        self.qtbot = qtbot
        self.end = end or RelativeEnd(fragment["d"], from_b64url(fragment["k"], 32))
        self.code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(qr_link).query))["c"]
        self.broker_ws = fragment["b"]
        self.messages: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.presence: list[dict[str, Any]] = []
        self.sent: list[tuple[str, bytes]] = []
        self.client = mqtt_client(
            mosquitto, "relative", [self.end.out_topic, f"{self.end.root}/presence"], self._got
        )

    def _got(self, message: Any) -> None:
        if message.topic.endswith("/presence"):
            self.presence.append(json.loads(message.payload))
            return
        try:
            self.messages.append(self.end.open(bytes(message.payload)))
        except SealError as exc:
            self.refused.append(exc.kind)

    def publish(self, topic: str, payload: bytes) -> None:
        self.sent.append((topic, payload))
        self.client.publish(topic, payload, qos=1).wait_for_publish(10)

    def pair(self, name: str = "Li Hua") -> None:
        self.publish(f"{self.end.root}/pair", self.end.pairing(self.code, name))

    def send(self, method: str, path: str, body: dict[str, Any] | None = None, **kw: Any) -> str:
        request_id, payload = self.end.request(method, path, body, **kw)
        self.publish(self.end.in_topic, payload)
        return request_id

    def wait_for(self, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        self.qtbot.waitUntil(lambda: any(match(m) for m in self.messages), timeout=WAIT_MS)
        return next(m for m in self.messages if match(m))

    def answer(self, request_id: str) -> dict[str, Any]:
        return self.wait_for(lambda m: m.get("id") == request_id)

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class Spy:
    def __init__(self, client: Any) -> None:
        self.client = client

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


Setup = tuple[ShellWindow, BrokerLink, Mosquitto]


@pytest.fixture
def launcher(home: Path, tmp_path: Path, qtbot: Any) -> Iterator[Callable[..., Setup]]:
    if shutil.which("mosquitto") is None or shutil.which("mosquitto_passwd") is None:
        pytest.skip("mosquitto is installed by packaging/dev.sh")
    started: list[Mosquitto] = []
    relatives: list[Any] = []

    def start(tiles: list[dict[str, Any]] | None = None) -> Setup:
        instance = open_test_instance(home)
        # The admin asks for the device id first, to write the broker's ACL.
        device = DeviceIdentity.load_or_create(instance.profile_dir).device
        folder = tmp_path / "mosquitto"
        folder.mkdir(exist_ok=True)
        mosquitto = Mosquitto(folder, device)
        started.append(mosquitto)
        save_test_settings(
            instance,
            {
                "senior": {"name": "Wang Fang", "address": "3 Xingfu Lane"},
                "tiles": tiles or [{"plugin": "clock"}, {"plugin": "contacts"}],
                "remote": {
                    **instance.settings["remote"],
                    "enabled": True,
                    "broker": mosquitto.url(),
                    "broker_ws": f"ws://127.0.0.1:{mosquitto.ws_port}/mqtt",
                    "app_url": "https://help.example/leling/",
                },
            },
        )
        window = show_shell(qtbot, instance)
        remote = window.start_remote(port=0)
        assert remote.broker is not None
        link = remote.broker
        qtbot.waitUntil(link.connected.is_set, timeout=WAIT_MS)
        return window, link, mosquitto

    start.relatives = relatives  # type: ignore[attr-defined]
    yield start
    for relative in relatives:
        relative.stop()
    for mosquitto in started:
        mosquitto.stop()


def relative_for(qtbot: Any, window: ShellWindow, mosquitto: Mosquitto, launcher: Any) -> Relative:
    assert window.remote is not None
    relative = Relative(qtbot, mosquitto, window.remote.pairing_url(window.remote.new_code()))
    launcher.relatives.append(relative)
    return relative


def paired(qtbot: Any, window: ShellWindow, mosquitto: Mosquitto, launcher: Any) -> Relative:
    relative = relative_for(qtbot, window, mosquitto, launcher)
    relative.pair("Li Hua")
    qtbot.waitUntil(
        lambda: window.stack.currentWidget().objectName() == "pairApproval", timeout=WAIT_MS
    )
    qtbot.mouseClick(window.stack.currentWidget().yes_button, Qt.MouseButton.LeftButton)
    answer = relative.wait_for(lambda m: m.get("event") == "paired")
    assert answer == {"event": "paired", "status": "approved"}
    return relative


def notice_title(window: ShellWindow) -> str:
    page = window.stack.currentWidget()
    if getattr(page, "kind", "") != "notice":
        return ""
    return str(page.findChild(type(window.screen_title), "screenTitle").text())


# -- pairing and changes ------------------------------------------------------------------------


def test_a_relative_pairs_through_the_broker_and_their_change_shows(qtbot, launcher) -> None:
    window, link, mosquitto = launcher()
    assert window.remote is not None
    link_text = window.remote.pairing_url("123456")
    address, _, fragment = link_text.partition("#")
    assert address == "https://help.example/leling/?c=123456"
    parts = dict(urllib.parse.parse_qsl(fragment))
    assert parts["d"] == link.identity.device
    assert base64.urlsafe_b64decode(parts["k"] + "=") == link.identity.public_key
    assert parts["b"] == f"ws://127.0.0.1:{mosquitto.ws_port}/mqtt"
    assert "=" not in parts["k"] and "%2F" in fragment.split("&b=")[1], "URL-encoded, no padding"

    relative = relative_for(qtbot, window, mosquitto, launcher)
    qtbot.waitUntil(lambda: bool(relative.presence) and relative.presence[-1]["state"] == "online")
    relative.pair("Li Hua")
    qtbot.waitUntil(
        lambda: window.stack.currentWidget().objectName() == "pairApproval", timeout=WAIT_MS
    )
    approval = window.stack.currentWidget()
    assert approval.question_label.text() == "Li Hua wants to help you. Allow?"
    qtbot.mouseClick(approval.yes_button, Qt.MouseButton.LeftButton)
    assert relative.wait_for(lambda m: "event" in m) == {"event": "paired", "status": "approved"}
    [(helper, public_key)] = window.remote.api.book.with_keys()
    assert helper.name == "Li Hua" and public_key == relative.end.public_key

    asked = relative.send("PATCH", "/api/settings", {"changes": {"text_scale": 150}})
    answer = relative.answer(asked)
    assert answer["status"] == 200, answer
    assert answer["body"]["settings"]["text_scale"] == 150
    assert window.instance.settings["text_scale"] == 150
    qtbot.waitUntil(lambda: "Li Hua changed your" in notice_title(window), timeout=WAIT_MS)
    assert window.findChild(type(window.help_button), "undoRemoteChange") is not None

    # The same rules as on the local network: the PIN cannot be changed from afar.
    refused = relative.answer(
        relative.send("PATCH", "/api/settings", {"changes": {"helper_pin": "1"}})
    )
    assert refused["status"] == 403
    status = relative.answer(relative.send("GET", "/api/status"))
    assert status["status"] == 200 and status["body"]["helper"]["name"] == "Li Hua"


def test_a_wrong_code_through_the_broker_is_answered_and_counts(qtbot, launcher) -> None:
    window, _link, mosquitto = launcher()
    relative = relative_for(qtbot, window, mosquitto, launcher)
    relative.code = "000000" if relative.code != "000000" else "111111"
    relative.pair("Stranger")
    assert relative.wait_for(lambda m: "event" in m) == {"event": "paired", "status": "wrong-code"}
    assert window.stack.currentWidget().objectName() != "pairApproval"
    assert window.remote is not None and window.remote.api.book.with_keys() == []


def test_a_removed_relative_is_told_and_then_ignored(qtbot, launcher) -> None:
    window, link, mosquitto = launcher()
    relative = paired(qtbot, window, mosquitto, launcher)
    assert window.remote is not None
    [(helper, _key)] = window.remote.api.book.with_keys()
    window.remote.show_helpers()
    remove = window.findChild(type(window.help_button), f"removeHelper-{helper.id}")
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.stack.currentWidget().yes_button, Qt.MouseButton.LeftButton)
    assert relative.wait_for(lambda m: m.get("event") == "revoked") == {"event": "revoked"}
    assert window.remote.api.book.with_keys() == []

    before = window.instance.settings["text_scale"]
    answered = len(relative.messages)
    relative.send("PATCH", "/api/settings", {"changes": {"text_scale": 200}})
    qtbot.waitUntil(lambda: link.refused["unknown-key"] == 1, timeout=WAIT_MS)
    assert window.instance.settings["text_scale"] == before
    assert len(relative.messages) == answered, "a removed relative is never answered"
    # The refusal is noted for the helper right after it is counted.
    qtbot.waitUntil(
        lambda: any("not paired" in p.message for p in window.instance.report.problems()),
        timeout=WAIT_MS,
    )


# -- the connection -----------------------------------------------------------------------------


def test_the_launcher_reconnects_after_the_broker_restarts(qtbot, launcher) -> None:
    window, link, mosquitto = launcher()
    relative = paired(qtbot, window, mosquitto, launcher)
    relative.stop()
    mosquitto.stop()
    qtbot.waitUntil(lambda: link.state == "offline", timeout=WAIT_MS)
    assert not link.connected.is_set()
    mosquitto.start()
    # The broker kept nothing (no persistence): presence comes back only if the launcher
    # reconnects and says so again.
    seen: list[dict[str, Any]] = []
    watcher = mqtt_client(
        mosquitto,
        "relative",
        [f"{relative.end.root}/presence"],
        lambda message: seen.append(json.loads(message.payload)),
    )
    try:
        qtbot.waitUntil(lambda: any(s["state"] == "online" for s in seen), timeout=WAIT_MS)
    finally:
        watcher.loop_stop()
        watcher.disconnect()
    assert link.state == "online"
    # And it listens again: the same relative is answered.
    assert window.remote is not None
    again = Relative(qtbot, mosquitto, window.remote.pairing_url("000000"), relative.end)
    launcher.relatives.append(again)
    answer = again.answer(again.send("GET", "/api/status"))
    assert answer["status"] == 200


def test_changes_sent_while_the_launcher_was_off_apply_in_order_when_it_connects(
    qtbot, launcher
) -> None:
    window, link, mosquitto = launcher()
    relative = paired(qtbot, window, mosquitto, launcher)
    assert window.remote is not None
    link.stop()
    qtbot.waitUntil(lambda: bool(relative.presence) and relative.presence[-1]["state"] == "offline")
    # Sent a while ago, while the launcher was off...
    first = relative.send(
        "PATCH", "/api/settings", {"changes": {"text_scale": 125}}, at=time.time() - 60
    )
    second = relative.send(
        "PATCH", "/api/settings", {"changes": {"text_scale": 200}}, at=time.time() - 50
    )
    # ...and meanwhile the senior changed the same setting at the machine.
    window.instance.store.set("text_scale", 150, reason="the senior at the machine")
    window.remote.broker = None
    window.start_remote()
    assert window.remote.broker is not None and window.remote.broker is not link
    assert relative.answer(first)["status"] == 200
    assert relative.answer(second)["status"] == 200
    assert window.instance.settings["text_scale"] == 200, "applied in the order sent"
    qtbot.waitUntil(lambda: "came in late" in notice_title(window), timeout=WAIT_MS)
    changes = window.remote.api.changes.recent()
    assert [c.after["text_scale"] for c in changes[:2]] == [200, 125]
    assert changes[1].before["text_scale"] == 150, "the senior's value stays, with its Undo"


# -- refused messages ---------------------------------------------------------------------------


def test_a_replayed_request_is_refused(qtbot, launcher) -> None:
    window, link, mosquitto = launcher()
    relative = paired(qtbot, window, mosquitto, launcher)
    asked = relative.send("PATCH", "/api/settings", {"changes": {"text_scale": 125}})
    assert relative.answer(asked)["status"] == 200
    window.instance.store.set("text_scale", 100, reason="the senior at the machine")
    answered = len(relative.messages)
    relative.publish(*relative.sent[-1])
    qtbot.waitUntil(lambda: link.refused["replayed"] == 1, timeout=WAIT_MS)
    assert window.instance.settings["text_scale"] == 100
    assert len(relative.messages) == answered
    # The counter survives a restart of the launcher's link.
    assert link.counters.highest(relative.end.key_id, "in") == relative.end.sent


def test_a_message_with_one_flipped_byte_is_refused(qtbot, launcher) -> None:
    window, link, mosquitto = launcher()
    relative = paired(qtbot, window, mosquitto, launcher)
    _id, payload = relative.end.request("POST", "/api/message", {"text": "Hello"})
    sealed = json.loads(payload)
    ciphertext = bytearray(from_b64url(sealed["ct"]))
    ciphertext[3] ^= 0x01
    sealed["ct"] = base64.urlsafe_b64encode(bytes(ciphertext)).rstrip(b"=").decode()
    relative.publish(relative.end.in_topic, json.dumps(sealed).encode())
    qtbot.waitUntil(lambda: link.refused["does-not-open"] == 1, timeout=WAIT_MS)
    assert [m for m in relative.messages if "id" in m] == []
    assert notice_title(window) == "Li Hua can now help you", "no message was shown"
    # The next genuine message is answered.
    assert relative.answer(relative.send("GET", "/api/status"))["status"] == 200
    problems = helper_problems(window)
    assert any("does not open" in message for message in problems)


def test_a_spy_on_the_broker_sees_no_names_values_or_text(qtbot, launcher) -> None:
    window, _link, mosquitto = launcher()
    seen: list[tuple[str, bytes]] = []
    spy = mqtt_client(mosquitto, "spy", ["#"], lambda m: seen.append((m.topic, bytes(m.payload))))
    launcher.relatives.append(Spy(spy))
    relative = paired(qtbot, window, mosquitto, launcher)
    secrets_ = ["Li Hua", "88 Secret Street", "Dinner at seven", "Wang Fang", "Xingfu"]
    changed = relative.send(
        "PATCH", "/api/settings", {"changes": {"senior.address": "88 Secret Street"}}
    )
    assert relative.answer(changed)["status"] == 200
    told = relative.send("POST", "/api/message", {"text": "Dinner at seven"})
    assert relative.answer(told)["status"] == 202
    assert (
        relative.answer(relative.send("GET", "/api/settings"))["body"]["settings"]["senior"]["name"]
        == "Wang Fang"
    )
    qtbot.waitUntil(lambda: sum("/out/" in topic for topic, _ in seen) >= 4, timeout=WAIT_MS)
    assert any(topic.endswith("/pair") for topic, _ in seen)
    for topic, payload in seen:
        for secret in secrets_:
            assert secret.encode() not in payload and secret not in topic, (topic, payload[:80])
            assert secret.encode("utf-16-le") not in payload
        if not topic.endswith("/presence"):
            assert set(json.loads(payload)) <= {"v", "n", "iv", "ct", "e"}


# -- SOS ----------------------------------------------------------------------------------------


def test_an_sos_reaches_the_relative_through_the_broker(qtbot, launcher) -> None:
    window, _link, mosquitto = launcher(
        tiles=[{"plugin": "sos", "config": {"countdown_seconds": 1}}, {"plugin": "clock"}]
    )
    relative = paired(qtbot, window, mosquitto, launcher)
    window.open_tile(0)
    alarm = relative.wait_for(lambda m: m.get("event") == "alarm")
    assert "Wang Fang" in alarm["body"]["title"] + alarm["body"]["body"]
    assert alarm["body"]["round"] == 1
    # Acknowledged through the broker, with the same API as on the local network.
    ack = relative.send("POST", f"/api/alarms/{alarm['body']['id']}/ack", {})
    assert relative.answer(ack)["body"] == {"acknowledged_by": "Li Hua"}


def test_a_message_to_a_relative_reaches_their_app_through_the_broker(qtbot, launcher) -> None:
    from launcher.core.outbox import Outbox

    window, _link, mosquitto = launcher()
    relative = paired(qtbot, window, mosquitto, launcher)
    outbox = Outbox(window.instance.profile_dir)
    # A plugin's alert to one contact (a reply to their message): it waits for their own
    # channel as always, and reaches their open app at once.
    outbox.enqueue("photos:reply-1", "li hua", ["json://127.0.0.1:9/x"], "Reply", "I'm fine")
    outbox.enqueue("photos:reply-2", "Someone else", ["json://127.0.0.1:9/y"], "Other", "no")
    window.host.alerts_queued.emit()
    message = relative.wait_for(lambda m: m.get("event") == "message")
    assert message["body"] == {"title": "Reply", "body": "I'm fine"}
    # Once only, however often the outbox is looked at.
    window.host.alerts_queued.emit()
    ping = relative.send("GET", "/api/status")
    relative.answer(ping)
    assert [m for m in relative.messages if m.get("event") == "message"] == [message]
