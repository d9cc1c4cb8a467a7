"""Alerts to the family through real channels on 127.0.0.1: an aiosmtpd mail server and
a plain HTTP receiver for webhooks. Nothing is lost while a channel is down, and nothing
arrives twice, across an outage and across a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import Webhooks, mail_to, save_test_settings, show_shell
from test_cli import leling

from launcher.core.instance import open_instance
from launcher.core.notify import apprise_sender, send_alert
from launcher.core.outbox import FIRST_PAUSE_S, Outbox, redact

pytest.importorskip("apprise", reason="apprise is installed by packaging/dev.sh")
pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd comes with the test extra")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def son(*urls: str) -> dict[str, Any]:
    return {"name": "王小明", "emergency": True, "alerts": list(urls)}


def test_an_alert_reaches_a_real_mail_server_with_its_words(tmp_path: Path, mail) -> None:
    box, port = mail
    url = mail_to(port, "son@family.test")
    outbox = Outbox(tmp_path)
    deliveries = send_alert(
        outbox, "sos-1", [son(url)], "SOS from 王芳", "王芳 pressed SOS at 10:20. Address: 1 Road"
    )
    assert [d.status for d in deliveries] == ["delivered"]
    assert len(box.messages) == 1
    message = box.mails()[0]
    assert message["To"] == "son@family.test"
    assert message["Subject"] == "SOS from 王芳"
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and "王芳 pressed SOS at 10:20. Address: 1 Road" in text.get_content()
    assert deliveries[0].where == f"mailto://127.0.0.1:{port}"


def test_a_channel_that_is_down_keeps_the_alert_until_it_is_back_then_once(
    tmp_path: Path, webhooks: Webhooks
) -> None:
    clock = Clock()
    outbox = Outbox(tmp_path, clock=clock)
    first = send_alert(outbox, "sos-2", [son(webhooks.url)], "SOS", "help")
    assert first[0].status == "pending" and first[0].attempts == 1
    assert first[0].last_error, "the failure says what happened"
    # Not due yet: nothing is tried, however often the outbox is asked.
    assert outbox.send_due(apprise_sender) == []
    webhooks.start()
    clock.now += FIRST_PAUSE_S
    tried = outbox.send_due(apprise_sender)
    assert [d.status for d in tried] == ["delivered"]
    assert len(webhooks.received) == 1
    assert webhooks.received[0]["title"] == "SOS" and webhooks.received[0]["message"] == "help"
    # The same alert again (a double press, a restart that enqueues it anew): not resent.
    again = send_alert(outbox, "sos-2", [son(webhooks.url)], "SOS", "help")
    assert [d.status for d in again] == ["delivered"]
    clock.now += 10 * FIRST_PAUSE_S
    outbox.send_due(apprise_sender, everything=True)
    assert len(webhooks.received) == 1


def test_a_restart_mid_retry_still_delivers_exactly_once(
    tmp_path: Path, webhooks: Webhooks
) -> None:
    clock = Clock()
    before = Outbox(tmp_path, clock=clock)
    send_alert(before, "sos-3", [son(webhooks.url)], "SOS", "help")
    assert before.pending()
    del before  # Leling stops with the alert still waiting
    webhooks.start()
    clock.now += 3600
    after = Outbox(tmp_path, clock=clock)  # and starts again
    assert [d.key for d in after.pending()] == ["sos-3"]
    after.send_due(apprise_sender)
    after.send_due(apprise_sender, everything=True)
    assert len(webhooks.received) == 1
    assert after.pending() == []


def test_two_contacts_sharing_a_channel_get_it_once(tmp_path: Path, webhooks: Webhooks) -> None:
    webhooks.start()
    daughter = {"name": "李芳", "emergency": True, "alerts": [webhooks.url]}
    deliveries = send_alert(Outbox(tmp_path), "sos-4", [son(webhooks.url), daughter], "SOS", "x")
    assert len(deliveries) == 1 and len(webhooks.received) == 1


def test_a_malformed_address_is_a_clear_failure_not_a_crash(tmp_path: Path) -> None:
    deliveries = send_alert(Outbox(tmp_path), "sos-5", [son("not a url at all")], "SOS", "x")
    assert deliveries[0].status == "pending"
    assert "not an alert address" in deliveries[0].last_error


def test_secrets_in_addresses_are_not_shown() -> None:
    assert redact("mailto://user:secret@mail.example.com/?to=a@b") == "mailto://mail.example.com"
    assert redact("mailto://127.0.0.1:8025?from=a@b.test&to=c@d.test") == "mailto://127.0.0.1:8025"
    assert redact("tgram://123456:ABC-secret/789") == "tgram://…"
    assert redact("json://localhost:8099/sos") == "json://localhost:8099"


def test_the_monthly_test_reports_each_channel_and_fails_when_one_fails(
    home: Path, mail, webhooks: Webhooks
) -> None:
    box, port = mail
    instance = open_instance(str(home), entry_points=False)
    mailto = mail_to(port, "son@family.test")
    contacts = [
        son(mailto),
        {"name": "李芳", "emergency": True, "alerts": [webhooks.url]},
        {"name": "Dr Zhang", "emergency": False, "alerts": [mailto]},
    ]
    instance.store.set("contacts", contacts, reason="test")
    webhooks.start()
    tested = leling(home, "notify", "test")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    lines = tested.stdout.strip().splitlines()
    assert lines == [
        f"王小明  mailto://127.0.0.1:{port}  delivered",
        f"李芳  json://127.0.0.1:{webhooks.port}  delivered",
        "Result: success (2 of 2 channels took it)",
    ], "one line per channel of each emergency contact; Dr Zhang is not one"
    assert "TEST" in box.mails()[0]["Subject"]
    assert webhooks.received[0]["title"].startswith("TEST")
    webhooks.stop()
    failing = leling(home, "notify", "test", "--contact", "李芳")
    assert failing.returncode == 1
    assert "FAILED" in failing.stdout and "test again" in failing.stderr
    assert "Result: failure (0 of 1 channels took it)" in failing.stdout
    # Mail still works, the webhook is down: partly through, and still a failed test.
    instance.store.set("contacts", [son(mailto, webhooks.url)], reason="test")
    partly = leling(home, "notify", "test")
    assert partly.returncode == 1
    assert "Result: partial (1 of 2 channels took it)" in partly.stdout
    assert Outbox(instance.profile_dir).pending() == [], "a test leaves nothing queued"
    unknown = leling(home, "notify", "test", "--contact", "Nobody")
    assert unknown.returncode == 2 and "no such contact" in unknown.stderr


@pytest.mark.usefixtures("restore_excepthook")
def test_a_running_shell_sends_what_an_earlier_run_left_in_the_outbox(
    home: Path, webhooks: Webhooks, qtbot: Any
) -> None:
    instance = open_instance(str(home), entry_points=False)
    Outbox(instance.profile_dir).enqueue("sos-6", "王小明", [webhooks.url], "SOS", "help")
    webhooks.start()
    _window = show_shell(qtbot, instance, size=None, wait_exposed=False)  # sends while it lives
    qtbot.waitUntil(lambda: len(webhooks.received) == 1, timeout=20_000)
    qtbot.waitUntil(lambda: not Outbox(instance.profile_dir).pending(), timeout=5_000)
    assert webhooks.received[0]["title"] == "SOS"


@pytest.mark.usefixtures("restore_excepthook")
def test_a_shell_with_no_alerts_opens_no_outbox(home: Path, qtbot: Any) -> None:
    instance = open_instance(str(home), entry_points=False)
    window = show_shell(qtbot, instance, size=None, wait_exposed=False)
    qtbot.waitUntil(lambda: window.courier._timer.isActive(), timeout=5_000)
    assert not (instance.profile_dir / "outbox.sqlite").exists()


ALERTING = """
from launcher.api import BigLabel, Plugin, Screen

class TestPlugin(Plugin):
    def create_screen(self):
        queued = self.context.notify("SOS", "Grandma pressed SOS", key="press-1")
        screen = Screen()
        screen.add(BigLabel(f"queued {queued}"))
        return screen
"""


@pytest.mark.usefixtures("restore_excepthook")
def test_a_plugin_alerts_the_emergency_contacts_once_per_event(
    home: Path, make_plugin, webhooks: Webhooks, qtbot: Any
) -> None:
    from PySide6.QtWidgets import QLabel

    make_plugin("alerting", ALERTING, permissions='["notify"]')
    make_plugin("nosy", ALERTING)  # asks without the permission
    webhooks.start()
    instance = open_instance(str(home), entry_points=False)
    save_test_settings(
        instance,
        {
            "contacts": [son(webhooks.url), {"name": "Dr Zhang", "alerts": [webhooks.url + "2"]}],
            "tiles": [{"plugin": "alerting"}, {"plugin": "nosy"}],
        },
    )
    window = show_shell(qtbot, instance, size=None, wait_exposed=False)
    for _ in range(2):  # the same event twice: one alert
        window.open_tile(0)
        texts = [label.text() for label in window.stack.currentWidget().findChildren(QLabel)]
        assert "queued 1" in texts, "only the emergency contact's channel"
        window.go_home()
    qtbot.waitUntil(lambda: len(webhooks.received) == 1, timeout=20_000)
    qtbot.waitUntil(lambda: not Outbox(instance.profile_dir).pending(), timeout=5_000)
    assert webhooks.received[0]["message"] == "Grandma pressed SOS"
    window.open_tile(1)
    assert window.screen_kind() == "unavailable", "notify needs the permission"
    assert len(Outbox(instance.profile_dir).deliveries()) == 1
