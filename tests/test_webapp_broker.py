"""The relative's web app far from home: through a real mosquitto broker, sealed end to end.

A phone-sized headless Chromium opens the app from a plain static host (what
``remote.app_url`` points at) with the pairing link's fragment, and talks MQTT over
WebSocket to mosquitto, started here with a password file and the app's ACL. On the
other side is ``LauncherStub``: the launcher's side of docs/remote-broker.md written
from the spec alone with ``cryptography`` and ``paho-mqtt``, so each direction of the
sealing is checked against an independent implementation.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import secrets
import shutil
import socket
import subprocess
import threading
import time
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import free_port, save_test_settings, serve_http, stop_http
from test_webapp import Browser, ask_to_help_as_mei, choose_text_size_150, wait_for
from test_webapp import browser as browser
from test_webapp import launcher as launcher

from launcher.remote.server import WEBAPP_DIR

try:
    import paho.mqtt.client as mqtt
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    mqtt = None

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
WAIT_S = 15
APP_PASSWORD = "app-" + secrets.token_hex(8)
LAUNCHER_PASSWORD = "launcher-" + secrets.token_hex(8)
#: The app's rights at the broker, as docs/remote-broker.md gives them.
ACL = """\
user launcher
topic readwrite leling/#

user app
topic write leling/+/pair
topic write leling/+/in/+
topic read leling/+/out/+
topic read leling/+/presence
"""

pytestmark = pytest.mark.skipif(
    mqtt is None or not Path(MOSQUITTO).is_file(),
    reason="needs mosquitto, paho-mqtt and cryptography",
)


def b64u(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def derive(private: X25519PrivateKey, other: bytes, device: str, info: bytes) -> bytes:
    """The spec's key: HKDF-SHA256 of the X25519 secret, salted with the device id."""
    shared = private.exchange(X25519PublicKey.from_public_bytes(other))
    return HKDF(SHA256(), 32, salt=bytes.fromhex(device), info=info).derive(shared)


# -- the broker and the app's static host ---------------------------------------------


@dataclass
class Mosquitto:
    tcp_port: int
    ws_port: int

    def ws_url(self, user: str = "app", password: str = APP_PASSWORD) -> str:
        return f"ws://{user}:{password}@127.0.0.1:{self.ws_port}/"


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    folder = tmp_path / "mosquitto"
    folder.mkdir()
    passwords = folder / "passwords"
    passwords.touch()
    for user, password in (("app", APP_PASSWORD), ("launcher", LAUNCHER_PASSWORD)):
        subprocess.run([MOSQUITTO_PASSWD, "-b", str(passwords), user, password], check=True)
    (folder / "acl").write_text(ACL, encoding="utf-8")
    found = Mosquitto(free_port(), free_port())
    config = folder / "mosquitto.conf"
    config.write_text(
        "\n".join(
            [
                # Run as root, it would drop to the mosquitto user, who cannot read tmp_path.
                *(["user root"] if os.geteuid() == 0 else []),
                "per_listener_settings false",
                "allow_anonymous false",
                f"password_file {passwords}",
                f"acl_file {folder / 'acl'}",
                "persistence false",
                f"listener {found.tcp_port} 127.0.0.1",
                f"listener {found.ws_port} 127.0.0.1",
                "protocol websockets",
                "",
            ]
        ),
        encoding="utf-8",
    )
    log = (folder / "log").open("wb")
    process = subprocess.Popen([MOSQUITTO, "-c", str(config)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + WAIT_S
        while not (_accepts(found.tcp_port) and _accepts(found.ws_port)):
            assert process.poll() is None, (folder / "log").read_text(errors="replace")
            assert time.monotonic() < deadline, "mosquitto does not listen"
            try:
                process.wait(timeout=0.05)  # wakes early only if it exits
            except subprocess.TimeoutExpired:
                pass
        yield found
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_app() -> tuple[str, Callable[[], None]]:
    """The web app's files on a plain static host, as ``remote.app_url`` would have them;
    returns its address and how to stop it."""
    server = serve_http(partial(_QuietFiles, directory=str(WEBAPP_DIR)))
    return f"http://127.0.0.1:{server.server_address[1]}/", lambda: stop_http(server)


@pytest.fixture
def app_url() -> Iterator[str]:
    url, stop = serve_app()
    try:
        yield url
    finally:
        stop()


# -- the launcher's side, from the spec ------------------------------------------------

SCHEMA = {
    "settings": [
        {
            "key": "text_scale",
            "kind": "int",
            "title": "Text size",
            "default": 100,
            "choices": [100, 125, 150, 200],
        }
    ],
    "plugins": [],
    "themes": [],
    "locales": [],
}


class LauncherStub:
    """A stand-in for the launcher's broker side (a stub: it answers a handful of API
    calls itself), written from docs/remote-broker.md with ``cryptography``."""

    def __init__(self, broker: Mosquitto, senior: str = "Margaret") -> None:
        self.broker = broker
        self.senior = senior
        self.device = secrets.token_hex(16)
        self.private = X25519PrivateKey.generate()
        self.public = raw_public(self.private)
        self.base = f"leling/{self.device}"
        self.helpers: dict[str, bytes] = {}
        self.highest: dict[str, int] = {}
        self.counter: dict[str, int] = {}
        self.last_sent: dict[str, bytes] = {}
        self.pairings: queue.Queue[dict[str, Any]] = queue.Queue()
        self.requests: queue.Queue[dict[str, Any]] = queue.Queue()
        self.settings: dict[str, Any] = {"text_scale": 100}
        self.alarms: list[dict[str, Any]] = []
        self.refused = 0
        self.connected = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"leling-{self.device}",
            clean_session=False,
            protocol=mqtt.MQTTv311,
        )
        self.client.username_pw_set("launcher", LAUNCHER_PASSWORD)
        self.client.will_set(self.presence_topic, self.presence("offline"), qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message

    @property
    def presence_topic(self) -> str:
        return f"{self.base}/presence"

    @staticmethod
    def presence(state: str, at: int | None = None) -> str:
        return json.dumps({"state": state, "at": int(time.time()) if at is None else at})

    def start(self) -> LauncherStub:
        self.client.connect("127.0.0.1", self.broker.tcp_port, keepalive=30)
        self.client.loop_start()
        assert self.connected.wait(WAIT_S), "the stub cannot reach mosquitto"
        return self

    def go_offline(self, at: int) -> None:
        """Switched off cleanly: presence says offline, then the connection ends."""
        said = self.client.publish(
            self.presence_topic, self.presence("offline", at), qos=1, retain=True
        )
        said.wait_for_publish(WAIT_S)
        self.client.disconnect()
        self.client.loop_stop()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def link(self, app_url: str, code: str) -> str:
        broker = quote(self.broker.ws_url(), safe="")
        return f"{app_url}?c={code}#d={self.device}&k={b64u(self.public)}&b={broker}"

    # -- sealing

    def keys(self, kid: str) -> tuple[bytes, bytes]:
        public = self.helpers[kid]
        return (
            derive(self.private, public, self.device, b"leling v1 to-launcher"),
            derive(self.private, public, self.device, b"leling v1 to-helper"),
        )

    def seal_to(self, kid: str, message: dict[str, Any], topic: str = "") -> tuple[str, bytes]:
        topic = topic or f"{self.base}/out/{kid}"
        n = self.counter[kid] = self.counter.get(kid, 0) + 1
        iv = os.urandom(12)
        plain = json.dumps(message).encode("utf-8")
        ct = AESGCM(self.keys(kid)[1]).encrypt(iv, plain, f"{topic}|{n}".encode())
        payload = json.dumps({"v": 1, "n": n, "iv": b64u(iv), "ct": b64u(ct)}).encode()
        return topic, payload

    def send(self, kid: str, message: dict[str, Any]) -> bytes:
        topic, payload = self.seal_to(kid, message)
        self.last_sent[kid] = payload
        self.publish_raw(topic, payload)
        return payload

    def publish_raw(self, topic: str, payload: bytes) -> None:
        # Never waited for: answers are sent from paho's own thread, which reads the PUBACK.
        self.client.publish(topic, payload, qos=1)

    def approve(self, pairing: dict[str, Any], status: str = "approved") -> str:
        kid = hashlib.sha256(unb64u(pairing["key"])).hexdigest()[:32]
        self.helpers[kid] = unb64u(pairing["key"])
        self.send(kid, {"event": "paired", "status": status})
        return kid

    # -- what arrives

    def _on_connect(self, client: Any, _data: Any, _flags: Any, reason: Any, _props: Any) -> None:
        assert not reason.is_failure, reason
        client.subscribe([(f"{self.base}/pair", 1), (f"{self.base}/in/+", 1)])
        client.publish(self.presence_topic, self.presence("online"), qos=1, retain=True)
        self.connected.set()

    def _on_message(self, _client: Any, _data: Any, message: Any) -> None:
        sealed = json.loads(message.payload)
        if message.topic == f"{self.base}/pair":
            key = derive(self.private, unb64u(sealed["e"]), self.device, b"leling v1 pair")
            plain = AESGCM(key).decrypt(
                unb64u(sealed["iv"]), unb64u(sealed["ct"]), message.topic.encode()
            )
            self.pairings.put(json.loads(plain))
            return
        kid = message.topic.rsplit("/", 1)[1]
        if kid not in self.helpers or sealed["n"] <= self.highest.get(kid, 0):
            self.refused += 1
            return
        aad = f"{message.topic}|{sealed['n']}".encode()
        plain = AESGCM(self.keys(kid)[0]).decrypt(unb64u(sealed["iv"]), unb64u(sealed["ct"]), aad)
        self.highest[kid] = sealed["n"]
        request = json.loads(plain)
        self.requests.put(request)
        status, body = self.answer(request)
        self.send(kid, {"id": request["id"], "status": status, "body": body})

    def answer(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        method, path = request["method"], request["path"]
        if (method, path) == ("GET", "/api/status"):
            return 200, {"senior": self.senior, "helper": {"name": "Mei"}, "alarms": 0}
        if (method, path) == ("GET", "/api/schema"):
            return 200, SCHEMA
        if (method, path) == ("GET", "/api/settings"):
            return 200, {"settings": self.settings, "revision": 1}
        if (method, path) == ("PATCH", "/api/settings"):
            self.settings.update(request["body"]["changes"])
            return 200, {"settings": self.settings, "revision": 2, "change": {"id": 7}}
        if (method, path) == ("GET", "/api/alarms"):
            return 200, {"alarms": self.alarms}
        if method == "POST" and path.startswith("/api/alarms/") and path.endswith("/ack"):
            return 200, {"ok": True}
        return 404, {"error": "not in the stub"}


@pytest.fixture
def launcher_stub(broker: Mosquitto) -> Iterator[LauncherStub]:
    stub = LauncherStub(broker).start()
    try:
        yield stub
    finally:
        stub.stop()


# -- helpers ---------------------------------------------------------------------------


def until(driver: WebDriver, check: Callable[[WebDriver], Any], what: str) -> Any:
    return WebDriverWait(driver, WAIT_S).until(check, what)


def pair_through_broker(browser: Browser, stub: LauncherStub, app_url: str) -> str:
    """Mei opens the QR link and asks to help; the stub checks the code and says yes.
    Returns the key id the app chose."""
    code = f"{secrets.randbelow(10**6):06d}"

    def ask(driver: WebDriver) -> str:
        return ask_to_help_as_mei(driver, stub.link(app_url, code))

    # Nothing in the link names the senior: the page waits for "a yes".
    assert browser.run(ask) == "Waiting for a yes on the launcher's screen…"
    pairing = stub.pairings.get(timeout=WAIT_S)
    assert pairing["code"] == code and pairing["name"] == "Mei"
    assert abs(pairing["at"] - time.time()) < 60
    kid = stub.approve(pairing)

    def menu(driver: WebDriver) -> None:
        assert wait_for(driver, "main[data-page=menu] .helping").text == "Helping Margaret"
        kept = json.loads(driver.execute_script("return localStorage.getItem('leling.helper')"))
        assert kept["broker"] == {
            "device": stub.device,
            "key": b64u(stub.public),
            "broker": stub.broker.ws_url(),
        }
        assert "token" not in kept
        # Neither the one-time code nor the broker's password stays in the address.
        assert "c=" not in driver.current_url and "#d=" not in driver.current_url

    browser.run(menu)
    return kid


# -- tests -----------------------------------------------------------------------------


def test_sealing_in_the_browser_matches_the_spec_and_refuses_replays_and_flips(
    browser: Browser, launcher_stub: LauncherStub, app_url: str
) -> None:
    stub = launcher_stub
    code = "314159"
    script = """
    const [device, key, broker, code, done] = arguments;
    (async () => {
      await LelingSeal.newHelperKey(device);
      window.heard = [];
      const on = { presence: (p) => heard.push(p), event: (v) => heard.push(v) };
      const ch = (window.ch = await LelingSeal.channel({ device, key, broker }, on));
      await ch.pair(code, "Mei");
      const status = await ch.paired();
      const answer = await ch.request({ method: "GET", path: "/api/status", lang: "en" }, 10000);
      const kept = await LelingSeal.helperKey(device);
      return { status, answer, keyId: ch.keyId, publicKey: LelingSeal.b64u(kept.publicRaw),
               type: kept.privateKey.type, extractable: kept.privateKey.extractable };
    })().then(done, (error) => done({ error: String(error) }));
    """
    pairing_seen: dict[str, Any] = {}

    def approve_in_background() -> None:
        pairing_seen.update(stub.pairings.get(timeout=WAIT_S))
        stub.approve(pairing_seen)

    approver = threading.Thread(target=approve_in_background)
    approver.start()

    def seal_and_open(driver: WebDriver) -> dict[str, Any]:
        driver.get(app_url)
        wait_for(driver, "main[data-page=pair]")
        driver.set_script_timeout(WAIT_S * 2)
        return dict(
            driver.execute_async_script(
                script, stub.device, b64u(stub.public), stub.broker.ws_url(), code
            )
        )

    got = browser.run(seal_and_open)
    approver.join(timeout=WAIT_S)
    assert "error" not in got, got
    # Python opened the pairing seal; JS opened Python's "paired" and its answer.
    assert pairing_seen["code"] == code and unb64u(pairing_seen["key"]) == unb64u(got["publicKey"])
    assert got["status"] == "approved"
    assert got["answer"]["status"] == 200 and got["answer"]["body"]["senior"] == "Margaret"
    # The key id is the first 16 bytes of SHA-256 of the public key.
    assert got["keyId"] == hashlib.sha256(unb64u(got["publicKey"])).hexdigest()[:32]
    # The private key stays in the browser: kept in IndexedDB, not exportable.
    assert got["type"] == "private" and got["extractable"] is False
    request = stub.requests.get(timeout=WAIT_S)
    assert request["method"] == "GET" and request["path"] == "/api/status"
    assert (
        request["lang"] == "en" and "body" not in request and request["id"] == got["answer"]["id"]
    )

    kid = got["keyId"]
    answered = stub.last_sent[kid]
    out = f"{stub.base}/out/{kid}"
    stub.publish_raw(out, answered)  # the broker (or anyone) plays it again
    topic, sealed = stub.seal_to(kid, {"event": "message", "body": {"text": "flipped"}})
    message = json.loads(sealed)
    ct = bytearray(unb64u(message["ct"]))
    ct[3] ^= 0x01
    stub.publish_raw(topic, json.dumps({**message, "ct": b64u(bytes(ct))}).encode())
    # Sealed for another helper's topic and moved to this one: it does not open here.
    elsewhere = f"{stub.base}/out/{'0' * 32}"
    stub.publish_raw(
        out, stub.seal_to(kid, {"event": "message", "body": {"text": "moved"}}, elsewhere)[1]
    )
    stub.send(kid, {"event": "message", "body": {"text": "real"}})

    def what_got_through(driver: WebDriver) -> list[Any]:
        until(driver, lambda d: d.execute_script("return heard.some((v) => v.event)"), "no event")
        return list(driver.execute_script("return heard.filter((v) => v.event)"))

    # Messages from one sender arrive in order: the last, real one came after the others.
    assert browser.run(what_got_through) == [{"event": "message", "body": {"text": "real"}}]
    # The replay, the flipped byte and the moved message were each refused.
    assert browser.run(lambda d: d.execute_script("return ch.refused")) == 3


def test_a_relative_far_away_pairs_through_the_broker_and_changes_text_size_stub(
    browser: Browser, launcher_stub: LauncherStub, app_url: str
) -> None:
    stub = launcher_stub
    pair_through_broker(browser, stub, app_url)
    # The app asked who it helps and what the settings are, sealed.
    asked = []
    while not stub.requests.empty():
        asked.append(stub.requests.get_nowait()["path"])
    assert "/api/status" in asked and "/api/settings" in asked

    assert browser.run(choose_text_size_150) == "Saved. The launcher shows it now."
    assert stub.settings["text_scale"] == 150
    change = None
    while change is None:
        request = stub.requests.get(timeout=WAIT_S)
        if request["method"] == "PATCH":
            change = request
    assert change["path"] == "/api/settings" and change["body"] == {"changes": {"text_scale": 150}}


def test_the_app_shows_the_launcher_online_then_offline_with_when_it_was_last_active_stub(
    browser: Browser, launcher_stub: LauncherStub, app_url: str, tmp_path: Path
) -> None:
    stub = launcher_stub
    pair_through_broker(browser, stub, app_url)

    def online(driver: WebDriver) -> str:
        line = wait_for(driver, "#presence.online")
        driver.save_screenshot(str(tmp_path / "presence-online-en.png"))
        return str(line.text)

    assert browser.run(online) == "The launcher is on and online."
    last = int(time.time())
    stub.go_offline(at=last)
    # English on the phone tells the time as 3:35 PM.
    clocks = {time.strftime("%-I:%M %p", time.localtime(at)) for at in (last, last + 60)}

    def offline(driver: WebDriver) -> dict[str, str]:
        line = wait_for(driver, "#presence.offline")
        shown = {"en": line.text}
        driver.save_screenshot(str(tmp_path / "presence-offline-en.png"))
        # A change made meanwhile is left with the broker for when the launcher is back.
        driver.find_element(By.CSS_SELECTOR, "a[href='#look']").click()
        Select(wait_for(driver, "main[data-page=look] select[name=text_scale]")).select_by_value(
            "125"
        )
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        shown["bar"] = wait_for(driver, "#bar.error .bar-text").text
        Select(driver.find_element(By.ID, "lang")).select_by_value("zh_CN")
        shown["zh_CN"] = until(
            driver,
            lambda d: (
                d.find_element(By.ID, "presence").text
                if "乐龄" in d.find_element(By.ID, "presence").text
                else False
            ),
            "no Chinese",
        )
        driver.save_screenshot(str(tmp_path / "presence-offline-zh_CN.png"))
        return shown

    shown = browser.run(offline)
    # The minute may turn between the launcher's last word and the app's.
    assert shown["en"] in {f"The launcher is offline. Last active: {clock}." for clock in clocks}
    assert shown["bar"] == (
        "The launcher is offline. Your change is kept and will be made when it is back online."
    )
    assert shown["zh_CN"].startswith("乐龄现在不在线。最后在线：")


def test_an_sos_shows_at_once_in_red_and_revoking_unpairs_the_phone_stub(
    browser: Browser, launcher_stub: LauncherStub, app_url: str, tmp_path: Path
) -> None:
    stub = launcher_stub
    kid = pair_through_broker(browser, stub, app_url)
    browser.run(lambda d: wait_for(d, "a[href='#look']").click())
    browser.run(lambda d: wait_for(d, "main[data-page=look] select[name=text_scale]"))
    alarm = {
        "id": "0123456789abcdef",
        "raised": time.time(),
        "title": "Margaret pressed SOS",
        "body": "At home. Call her now: 139 0013 9000",
        "round": 1,
    }
    stub.alarms.append(alarm)
    stub.send(kid, {"event": "alarm", "body": alarm})

    def red_alarm(driver: WebDriver) -> str:
        # On whatever page is open, without waiting for the next visit to the menu.
        section = wait_for(
            driver, "main[data-page=look] section.alarm[data-alarm='0123456789abcdef']"
        )
        driver.save_screenshot(str(tmp_path / "alarm-en.png"))
        text = str(section.find_element(By.TAG_NAME, "h2").text)
        section.find_element(By.CSS_SELECTOR, "button.danger").click()
        return f"{text} / {wait_for(driver, '#bar.ok .bar-text').text}"

    assert browser.run(red_alarm) == (
        "Margaret pressed SOS / Margaret's screen now says you have seen it and are on it."
    )
    ack = None
    while ack is None:
        request = stub.requests.get(timeout=WAIT_S)
        if request["method"] == "POST":
            ack = request
    assert ack["path"] == "/api/alarms/0123456789abcdef/ack"

    # A message for this relative (a reply from the senior) shows on top until closed.
    stub.send(kid, {"event": "message", "body": {"title": "Reply", "body": "I'm fine"}})

    def message(driver: WebDriver) -> str:
        section = wait_for(driver, "section.family-message")
        text = str(section.text)
        section.find_element(By.TAG_NAME, "button").click()
        return text

    assert browser.run(message).startswith("Reply\nI'm fine")

    stub.send(kid, {"event": "revoked"})

    def unpaired(driver: WebDriver) -> str:
        notice = wait_for(driver, "main[data-page=pair] .note.error").text
        assert driver.execute_script("return localStorage.getItem('leling.helper')") is None
        assert not driver.find_element(By.ID, "presence").is_displayed()
        return str(notice)

    assert browser.run(unpaired).startswith("This phone can no longer help")


def test_a_relative_pairs_with_the_real_launcher_through_the_broker(
    launcher: Any, browser: Browser, broker: Mosquitto, app_url: str, qtbot: Any
) -> None:
    from test_webapp import QT_WAIT_MS, senior_taps_yes

    window = launcher
    instance = window.instance
    save_test_settings(
        instance,
        {
            "remote": {
                **instance.settings.get("remote", {}),
                "broker_ws": broker.ws_url(),
                "app_url": app_url,
            },
        },
    )
    address = f"mqtt://launcher:{LAUNCHER_PASSWORD}@127.0.0.1:{broker.tcp_port}"
    remote = window.start_remote(port=0, broker=address)
    assert remote.broker is not None
    link = remote.pairing_url(remote.new_code())
    assert link.startswith(app_url) and "#d=" in link

    def ask(driver: WebDriver) -> str:
        return ask_to_help_as_mei(driver, link)

    assert browser.run(ask) == "Waiting for a yes on the launcher's screen…"
    senior_taps_yes(window, qtbot, "pairApproval")

    def text_size_150(driver: WebDriver) -> str:
        assert wait_for(driver, "main[data-page=menu] .helping").text == "Helping Margaret"
        assert wait_for(driver, "#presence.online").text == "The launcher is on and online."
        return choose_text_size_150(driver)

    assert browser.run(text_size_150) == "Saved. The launcher shows it now."
    qtbot.waitUntil(lambda: instance.settings["text_scale"] == 150, timeout=QT_WAIT_MS)


def test_the_app_can_be_installed_and_opens_from_its_cache_when_its_host_is_gone(
    browser: Browser,
) -> None:
    url, stop = serve_app()

    def installable(driver: WebDriver) -> dict[str, Any]:
        driver.get(url)
        wait_for(driver, "main[data-page=pair]")
        kept = (
            "const done = arguments[0];"
            "caches.open('leling-webapp').then((c) => c.keys())"
            ".then((keys) => done(keys.map((k) => new URL(k.url).pathname)));"
        )
        until(driver, lambda d: "/seal.js" in d.execute_async_script(kept), "nothing cached")
        return dict(driver.execute_cdp_cmd("Page.getInstallabilityErrors", {}))

    try:
        assert browser.run(installable) == {"installabilityErrors": []}
    finally:
        stop()

    def offline(driver: WebDriver) -> str:
        driver.get(url)
        return str(wait_for(driver, "main[data-page=pair] h1").text)

    assert browser.run(offline) == "Help from your phone"
