"""One-key SOS through the real shell, to real peers on 127.0.0.1: an aiosmtpd mail
server, a mosquitto MQTT broker with a subscribed client, and a plain HTTP receiver for
webhooks. The senior presses, the countdown runs out, every emergency contact is told
with the senior's details, and a relative's acknowledgement link stops the escalation
and is shown and said on the senior's screen."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    Mailbox,
    Webhooks,
    free_port,
    helper_problems,
    mail_to,
    plugin_screen,
    record_speech,
    start_shell,
)
from PySide6.QtCore import Qt
from test_remote import Client
from test_webapp import browser as browser

from launcher.core.alarm import REPEATS_AFTER_LAST_CIRCLE, Alarms, circles_of
from launcher.core.outbox import Outbox
from launcher.ui.shell import ShellWindow

pytest.importorskip("apprise", reason="apprise is installed by packaging/dev.sh")

SENIOR = {
    "name": "Wang Fang",
    "address": "3 Xingfu Lane, Chaoyang, Beijing",
    "medical": "High blood pressure; allergic to penicillin",
    "location": "39.9219,116.4436",
}
WAIT_MS = 20_000

pytestmark = pytest.mark.usefixtures("restore_excepthook")


class Broker:
    """A real mosquitto on 127.0.0.1 and a paho client subscribed to one topic."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        config = folder / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        )
        self.log = folder / "mosquitto.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["mosquitto", "-c", str(config)], stdout=log, stderr=subprocess.STDOUT
            )
        self.messages: list[tuple[str, str]] = []
        self.subscribed = threading.Event()
        self.client: Any = None

    def wait_until_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto stopped: {self.log.read_text()!r}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)  # polling a port that is coming up, not waiting on Leling
        raise RuntimeError("mosquitto did not start listening")

    def subscribe(self, topic: str) -> None:
        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        client.on_message = lambda _c, _u, message: self.messages.append(
            (message.topic, message.payload.decode("utf-8"))
        )
        client.on_subscribe = lambda *args: self.subscribed.set()
        client.on_connect = lambda c, *args: c.subscribe(topic, qos=1)
        client.connect("127.0.0.1", self.port)
        client.loop_start()
        self.client = client
        assert self.subscribed.wait(10), "the MQTT client could not subscribe"

    def stop(self) -> None:
        if self.client is not None:
            self.client.loop_stop()
            self.client.disconnect()
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is installed by packaging/dev.sh")
    pytest.importorskip("paho.mqtt", reason="paho-mqtt is a dependency of Leling")
    running = Broker(tmp_path)
    try:
        running.wait_until_listening()
        yield running
    finally:
        running.stop()


def sos_shell(home: Path, qtbot: Any, contacts: list[dict[str, Any]], **extra: Any) -> ShellWindow:
    """The shell with the SOS tile (a 3 second countdown) and a clock, for ``contacts``."""
    return start_shell(
        home,
        qtbot,
        {
            "senior": SENIOR,
            "tiles": [{"plugin": "sos", "config": {"countdown_seconds": 3}}, {"plugin": "clock"}],
            "contacts": contacts,
            **extra,
        },
    )


def press_sos(window: ShellWindow, qtbot: Any) -> None:
    window.open_tile(0)
    assert plugin_screen(window).findChild(object, "sosCountdown") is not None


def raised_view(window: ShellWindow) -> Any:
    return plugin_screen(window).findChild(object, "sosRaised")


def contact(name: str, *urls: str, circle: int = 1) -> dict[str, Any]:
    return {"name": name, "emergency": True, "circle": circle, "alerts": list(urls)}


def test_cancel_in_the_countdown_tells_nobody(home: Path, qtbot: Any, webhooks: Webhooks) -> None:
    webhooks.start()
    window = sos_shell(home, qtbot, [contact("Wang Wei", webhooks.url)])
    said = record_speech(window, still_speak=True)
    press_sos(window, qtbot)
    countdown = plugin_screen(window).findChild(object, "sosCountdown")
    assert countdown.number.text() == "3"
    qtbot.waitUntil(lambda: window.focusWidget() is countdown.cancel, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: countdown.number.text() == "2", timeout=WAIT_MS)
    assert "2" in said, "each second is said aloud"
    qtbot.mouseClick(countdown.cancel, Qt.MouseButton.LeftButton)
    cancelled = plugin_screen(window).findChild(object, "sosCancelled")
    assert cancelled is not None
    assert "nobody was told" in cancelled.findChild(object, "screenTitle").text()
    # Its timer is stopped, so nothing can go out later either.
    context = window.host._objects[0][1]
    assert not any(timer.active for timer in context.timers)
    assert not (window.instance.profile_dir / "alarms.sqlite").exists()
    assert webhooks.received == []


def test_sos_reaches_mail_mqtt_and_a_webhook_with_the_seniors_details(
    home: Path,
    qtbot: Any,
    mail: tuple[Mailbox, int],
    broker: Broker,
    webhooks: Webhooks,
) -> None:
    box, smtp_port = mail
    webhooks.start()
    broker.subscribe("leling/wang-family/sos")
    window = sos_shell(
        home,
        qtbot,
        [
            contact(
                "Wang Wei",
                mail_to(smtp_port, "wei@family.test"),
            ),
            contact("Wang Li", f"mqtt://127.0.0.1:{broker.port}/leling/wang-family/sos"),
            contact("Dr Zhang", webhooks.url),
            # Not an emergency contact: never told.
            {"name": "Neighbour", "alerts": [webhooks.url + "/neighbour"]},
        ],
    )
    said = record_speech(window, still_speak=True)
    press_sos(window, qtbot)
    qtbot.waitUntil(lambda: raised_view(window) is not None, timeout=WAIT_MS)
    view = raised_view(window)
    assert view.title.text() == "Your family has been told"
    assert view.number.text() == "120", "the emergency number, in huge digits"
    assert view.call.text() == "Call 120"
    assert any("If you need an ambulance, call 120." in text for text in said)

    qtbot.waitUntil(lambda: len(box.messages) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(broker.messages) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(webhooks.received) == 1, timeout=WAIT_MS)

    message = box.mails()[0]
    assert message["To"] == "wei@family.test"
    assert message["Subject"] == "SOS: Wang Fang needs help"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert re.search(r"Wang Fang pressed SOS at \d{4}-\d\d-\d\d \d\d:\d\d\.", text)
    assert "Address: 3 Xingfu Lane, Chaoyang, Beijing" in text
    assert "Medical notes: High blood pressure; allergic to penicillin" in text
    assert "https://www.openstreetmap.org/?mlat=39.9219&mlon=116.4436" in text
    assert "Local emergency number: 120" in text

    topic, payload = broker.messages[0]
    assert topic == "leling/wang-family/sos"
    assert payload.startswith("SOS: Wang Fang needs help")
    assert "Medical notes: High blood pressure" in payload

    hook = webhooks.received[0]
    assert hook["title"] == "SOS: Wang Fang needs help"
    assert "Address: 3 Xingfu Lane" in hook["message"]
    # The screen says so once the family's channels have it.
    qtbot.waitUntil(
        lambda: view.status.text() == "Your family has received it. Waiting for an answer.",
        timeout=WAIT_MS,
    )
    assert "Your family has received it. Waiting for an answer." in said


def test_an_acknowledgement_link_stops_escalation_and_the_senior_hears_who_comes(
    home: Path, qtbot: Any, webhooks: Webhooks
) -> None:
    webhooks.start()
    window = sos_shell(
        home,
        qtbot,
        [
            contact("Wang Wei", webhooks.url + "/wei"),
            contact("Wang Li", webhooks.url + "/li"),
        ],
    )
    remote = window.start_remote(port=0, bind="127.0.0.1")
    said = record_speech(window, still_speak=True)
    press_sos(window, qtbot)
    qtbot.waitUntil(lambda: len(webhooks.received) == 2, timeout=WAIT_MS)
    links = {}
    for hook in webhooks.received:
        found = re.search(r"(http://127\.0\.0\.1:\d+/api/ack/[A-Za-z0-9_-]+)", hook["message"])
        assert found, hook["message"]
        assert "Tap here so Wang Fang knows you are on it" in hook["message"]
        links[found.group(1)] = hook
    assert len(links) == 2, "each relative has a link of their own"
    wei_link, li_link = list(links)  # whose is whose: the alarm's records say

    client = Client(qtbot, remote.url)
    page = client("GET", wei_link.removeprefix(remote.url.rstrip("/")))
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "SOS: Wang Fang needs help" in page.text and "<form" in page.text
    # Opening the link (a chat app's preview does that) acknowledges nothing.
    alarms = Alarms(window.instance.profile_dir, Outbox(window.instance.profile_dir))
    assert [state.acknowledged for state in alarms.active()] == [False]

    answered = client("POST", wei_link.removeprefix(remote.url.rstrip("/")))
    assert answered.status_code == 200 and "Thank you" in answered.text
    who = alarms.link(wei_link.rsplit("/", 1)[1])
    assert who is not None
    name = who[1]
    assert alarms.active() == [], "escalation stops"
    assert f"{name} has seen your call for help" in window.current_title()
    assert any(f"{name} has seen your call for help" in text for text in said)

    later = client("POST", li_link.removeprefix(remote.url.rstrip("/")))
    assert later.status_code == 200 and f"{name} already answered" in later.text

    # Back on the SOS screen, the status says who is coming.
    window.open_tile(0)
    view = raised_view(window)
    assert view is not None
    qtbot.waitUntil(lambda: name in view.status.text(), timeout=WAIT_MS)
    assert view.status.text() == f"{name} has seen it and is on the way."
    assert client("GET", "/api/ack/" + "x" * 24).status_code == 404


def test_the_relatives_app_lists_the_alarm_and_acknowledges_it(
    home: Path, qtbot: Any, webhooks: Webhooks
) -> None:
    from test_remote import pair

    webhooks.start()
    window = sos_shell(home, qtbot, [contact("Wang Wei", webhooks.url)])
    remote = window.start_remote(port=0, bind="127.0.0.1")
    client = Client(qtbot, remote.url)
    pair(qtbot, window, client, name="Li Hua")
    window.go_home()
    assert client("GET", "/api/status").json()["alarms"] == 0
    press_sos(window, qtbot)
    qtbot.waitUntil(lambda: raised_view(window) is not None, timeout=WAIT_MS)
    listed = client("GET", "/api/alarms").json()["alarms"]
    assert [alarm["title"] for alarm in listed] == ["SOS: Wang Fang needs help"]
    assert "Medical notes" in listed[0]["body"]
    assert client("GET", "/api/status").json()["alarms"] == 1
    done = client("POST", f"/api/alarms/{listed[0]['id']}/ack")
    assert done.status_code == 200 and done.json()["acknowledged_by"] == "Li Hua"
    assert "Li Hua has seen your call for help" in window.current_title()
    assert client("GET", "/api/alarms").json()["alarms"] == []
    assert client("POST", f"/api/alarms/{listed[0]['id']}/ack").status_code == 404


def test_nobody_answering_escalates_circle_by_circle_then_everyone(tmp_path: Path) -> None:
    sent: list[tuple[str, str]] = []

    def sender(url: str, title: str, body: str) -> tuple[bool, str]:
        sent.append((url, body))
        return True, "delivered"

    now = [1_000_000.0]
    outbox = Outbox(tmp_path, clock=lambda: now[0])
    alarms = Alarms(tmp_path, outbox, clock=lambda: now[0])
    people = [
        contact("Son", "json://h/son", circle=1),
        contact("Daughter", "json://h/daughter", circle=1),
        contact("Neighbour", "json://h/neighbour", circle=2),
        contact("Doctor", "json://h/doctor", circle=3),
        {"name": "No channel", "emergency": True, "circle": 2, "alerts": []},
    ]
    assert [[p["name"] for p in circle] for circle in circles_of(people)] == [
        ["Son", "Daughter"],
        ["Neighbour"],
        ["Doctor"],
    ]
    channels = alarms.raise_alarm(
        "sos:1",
        "SOS",
        "help",
        people,
        escalate_s=300,
        link_base="http://pc:8765/",
        ack_line="Seen it? {link}",
    )
    assert channels == 2
    assert alarms.raise_alarm("sos:1", "SOS", "help", people, escalate_s=300, link_base=None) == 2
    outbox.send_due(sender)
    assert sorted(url for url, _ in sent) == ["json://h/daughter", "json://h/son"]
    assert all("Seen it? http://pc:8765/api/ack/" in body for _, body in sent)

    def step() -> list[str]:
        sent.clear()
        alarms.escalate_due(people, "http://pc:8765/")
        outbox.send_due(sender)
        return sorted(url.rsplit("/", 1)[1] for url, _ in sent)

    now[0] += 299
    assert step() == [], "not before the time is up"
    assert alarms.next_step_in() == pytest.approx(1)
    now[0] += 1
    assert step() == ["neighbour"]
    now[0] += 300
    assert step() == ["doctor"]
    for _ in range(REPEATS_AFTER_LAST_CIRCLE):
        now[0] += 300
        assert step() == ["daughter", "doctor", "neighbour", "son"]
    now[0] += 300
    assert step() == [], "after the repeats it stops; the screen keeps the number"
    assert alarms.next_step_in() is None
    # A relative's own link is the same in every round.
    son_links = {
        re.search(r"ack/(\S+)", d.body).group(1)  # type: ignore[union-attr]
        for d in outbox.deliveries()
        if d.url.endswith("/son")
    }
    assert len(son_links) == 1


def test_an_acknowledged_alarm_does_not_escalate_even_after_a_restart(tmp_path: Path) -> None:
    now = [1_000_000.0]
    people = [contact("Son", "json://h/son"), contact("Neighbour", "json://h/n", circle=2)]
    first = Alarms(tmp_path, Outbox(tmp_path, clock=lambda: now[0]), clock=lambda: now[0])
    first.raise_alarm("sos:2", "SOS", "help", people, escalate_s=60, link_base=None)
    # Leling restarts: a new object over the same files carries on.
    now[0] += 61
    again = Alarms(tmp_path, Outbox(tmp_path, clock=lambda: now[0]), clock=lambda: now[0])
    assert [s.step for s in again.escalate_due(people, None)] == [1]
    assert again.escalate_due(people, None) == [], "each step happens once"
    state = again.acknowledge("sos:2", "Neighbour")
    assert state is not None and state.acknowledged_by == "Neighbour"
    assert again.acknowledge("sos:2", "Son").acknowledged_by == "Neighbour"  # type: ignore[union-attr]
    now[0] += 3600
    assert again.escalate_due(people, None) == []
    assert {d.contact for d in again.outbox.deliveries()} == {"Son", "Neighbour"}


def test_no_emergency_contact_with_a_channel_says_call_the_number_and_tells_the_helper(
    home: Path, qtbot: Any
) -> None:
    window = sos_shell(
        home,
        qtbot,
        [{"name": "Wang Wei", "emergency": True, "alerts": []}],
        emergency={"number": "999", "escalate_minutes": 5},
    )
    press_sos(window, qtbot)
    qtbot.waitUntil(lambda: raised_view(window) is not None, timeout=WAIT_MS)
    view = raised_view(window)
    assert view.title.text() == "Call 999 now"
    assert view.status.text() == "Your family could not be told."
    assert view.number.text() == "999"
    problems = helper_problems(window)
    assert any("no emergency contact has an alert channel" in p for p in problems)


def test_an_unreachable_channel_is_retried_and_the_senior_is_told_to_call(
    home: Path, qtbot: Any, webhooks: Webhooks
) -> None:
    # The receiver is down: the alert stays in the outbox and the screen says to call.
    window = sos_shell(home, qtbot, [contact("Wang Wei", webhooks.url)])
    press_sos(window, qtbot)
    qtbot.waitUntil(lambda: raised_view(window) is not None, timeout=WAIT_MS)
    view = raised_view(window)
    qtbot.waitUntil(lambda: "Leling keeps trying" in view.status.text(), timeout=WAIT_MS)
    assert "call 120" in view.status.text()
    pending = Outbox(window.instance.profile_dir).pending()
    assert [d.contact for d in pending] == ["Wang Wei"] and pending[0].attempts >= 1
    start = f"an alert to Wang Wei through json://127.0.0.1:{webhooks.port} could not"
    qtbot.waitUntil(
        lambda: any(p.message.startswith(start) for p in window.instance.report.problems()),
        timeout=WAIT_MS,
    )
    # It comes back: the courier's next try (made due now) delivers it, once.
    webhooks.start()
    with Outbox(window.instance.profile_dir).db.connect() as db:
        db.execute("UPDATE deliveries SET next_try = 0")
    window.courier.kick()
    qtbot.waitUntil(lambda: len(webhooks.received) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not Outbox(window.instance.profile_dir).pending(), timeout=WAIT_MS)
    assert len(webhooks.received) == 1


def test_a_relative_sees_the_sos_in_the_phone_app_and_says_they_are_on_it(
    home: Path, qtbot: Any, webhooks: Webhooks, browser: Any
) -> None:
    from test_webapp import pair_in_browser, wait_for

    webhooks.start()
    window = sos_shell(
        home, qtbot, [contact("Wang Wei", webhooks.url)], senior={**SENIOR, "name": "Margaret"}
    )
    window.start_remote(port=0, bind="127.0.0.1")
    press_sos(window, qtbot)
    qtbot.waitUntil(lambda: raised_view(window) is not None, timeout=WAIT_MS)
    window.go_home()
    assert pair_in_browser(window, browser, qtbot) == "Helping Margaret"

    def acknowledge(driver: Any) -> str:
        alarm = wait_for(driver, "main[data-page=menu] section.alarm")
        assert "SOS: Margaret needs help" in alarm.text
        assert "Medical notes: High blood pressure" in alarm.text
        alarm.find_element("css selector", "button").click()
        return str(wait_for(driver, "#bar.ok .bar-text").text)

    said = browser.run(acknowledge)
    assert said == "Margaret's screen now says you have seen it and are on it."
    assert "Mei has seen your call for help" in window.current_title()


def test_the_sos_tile_is_red_on_the_home_screen(home: Path, qtbot: Any) -> None:
    from launcher.ui.kit import TileButton

    window = sos_shell(home, qtbot, [contact("Wang Wei", "json://127.0.0.1:9/x")])
    sos = window.findChild(TileButton, "tile-0")
    clock = window.findChild(TileButton, "tile-1")

    def colour_inside(tile: TileButton) -> str:
        # Just inside the border, where nothing but the tile's background is drawn.
        return tile.grab().toImage().pixelColor(12, tile.height() // 2).name()

    qtbot.waitUntil(lambda: colour_inside(sos) == "#9e1b1b", timeout=WAIT_MS)  # warm: danger
    assert colour_inside(clock) == "#ffffff"  # warm: tile


def test_a_malformed_alert_address_is_named_for_the_helper_and_the_senior_stays_calm(
    home: Path, qtbot: Any
) -> None:
    window = sos_shell(home, qtbot, [contact("Wang Wei", "this is not an address")])
    press_sos(window, qtbot)
    qtbot.waitUntil(lambda: raised_view(window) is not None, timeout=WAIT_MS)
    view = raised_view(window)
    qtbot.waitUntil(lambda: "Leling keeps trying" in view.status.text(), timeout=WAIT_MS)

    def named() -> bool:
        return any(
            "an alert to Wang Wei" in p.message
            and "not an alert address Leling understands" in p.message
            for p in window.instance.report.problems()
        )

    qtbot.waitUntil(named, timeout=WAIT_MS)
    # Nothing is lost: the alert waits for the address to be put right.
    assert [d.contact for d in Outbox(window.instance.profile_dir).pending()] == ["Wang Wei"]


def test_an_alert_waiting_on_a_wrong_address_goes_out_once_the_family_fixes_it(
    home: Path, qtbot: Any, webhooks: Webhooks
) -> None:
    webhooks.start()
    window = sos_shell(home, qtbot, [contact("Wang Wei", "json://127.0.0.1:9/wrong")])
    press_sos(window, qtbot)
    qtbot.waitUntil(lambda: raised_view(window) is not None, timeout=WAIT_MS)
    outbox = Outbox(window.instance.profile_dir)
    qtbot.waitUntil(lambda: outbox.pending() and outbox.pending()[0].attempts > 0, timeout=WAIT_MS)
    # A relative puts the address right (here through the settings, as remote help does).
    window.instance.store.set("contacts", [contact("Wang Wei", webhooks.url)], reason="fixed")
    window.apply_settings()
    qtbot.waitUntil(lambda: len(webhooks.received) == 1, timeout=WAIT_MS)
    assert webhooks.received[0]["title"] == "SOS: Wang Fang needs help"
    qtbot.waitUntil(lambda: not outbox.pending(), timeout=WAIT_MS)
    assert [d.url for d in outbox.deliveries()] == [webhooks.url]
