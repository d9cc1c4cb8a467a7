"""Alerts to the family through the channels they already use, via Apprise.

Each contact has one or more Apprise URLs (``alerts`` in the contact): email
(``mailto://``), ntfy, WeCom, DingTalk, Feishu, Bark, Telegram, MQTT, webhooks
(``json://``) and many more. Alerts go through the :class:`launcher.core.outbox.Outbox`,
so an alert waits there until each channel has taken it.

Apprise is imported on the first alert, never at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from launcher.core.outbox import Delivery, Outbox


def apprise_sender(url: str, title: str, body: str) -> tuple[bool, str]:
    """Send one alert through one Apprise URL: (delivered, what happened, in words)."""
    import apprise  # the first alert pays for it, not the start-up

    channel = apprise.Apprise()
    if not channel.add(url):
        return False, "not an alert address Leling understands (check the URL)"
    capture = apprise.LogCapture  # untyped in Apprise
    with capture(level=apprise.logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        result = channel.notify(title=title, body=body)
        said = captured.getvalue().strip().splitlines()
    detail = (said[-1] if said else "").split(" - ", 1)[-1][:300]
    # Apprise 2 answers with a result whose status names the outcome; older ones a bool.
    status = getattr(getattr(result, "status", None), "name", "SUCCESS" if result else "FAILURE")
    if status == "SUCCESS":
        return True, "delivered"
    if status == "PARTIAL":
        # Some of the channel's recipients have it: sending again would repeat it to them.
        return True, f"partly delivered: {detail or 'some recipients did not take it'}"
    if status == "TIMEOUT":
        return False, f"timed out: {detail or 'the service did not answer in time'}"
    return False, detail or "the channel did not take it"


def alert_urls(contact: Mapping[str, Any]) -> list[str]:
    urls = contact.get("alerts", [])
    return [str(url).strip() for url in urls if str(url).strip()] if isinstance(urls, list) else []


def emergency_contacts(settings: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The contacts marked for emergencies who have at least one channel."""
    return [
        contact
        for contact in settings.get("contacts", [])
        if contact.get("emergency") and alert_urls(contact)
    ]


def send_alert(
    outbox: Outbox,
    key: str,
    contacts: Sequence[Mapping[str, Any]],
    title: str,
    body: str,
    *,
    sender: Any = apprise_sender,
) -> list[Delivery]:
    """Queue an alert to every channel of ``contacts`` under ``key`` and try them now.
    Channels that fail stay queued for the next try; the deliveries are returned."""
    for contact in contacts:
        outbox.enqueue(key, str(contact.get("name", "")), alert_urls(contact), title, body)
    outbox.send_due(sender)
    return outbox.deliveries(key)
