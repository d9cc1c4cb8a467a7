"""One-key SOS: a spoken countdown the senior can cancel, then every emergency contact is
alerted, and the screen shows the emergency number in huge digits.

The alarm itself (its alerts, their retries, escalation to the next circle, the
acknowledgements) is kept by Leling, so it carries on when this screen is closed or
Leling restarts; this screen only starts it and shows how it is going.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any

from launcher.api import (
    AlarmStatus,
    BigButton,
    BigLabel,
    HugeText,
    Plugin,
    Qt,
    QWidget,
    Screen,
    Senior,
)

#: How often the status screen looks at the alarm.
STATUS_EVERY_MS = 2000
#: Opening SOS again within this time shows the alarm under way, not a new countdown.
SHOW_RAISED_FOR_S = 30 * 60


def map_link(location: str) -> str:
    """An OpenStreetMap link for ``"latitude,longitude"``, or "" when there is none."""
    parts = [part.strip() for part in location.split(",")]
    if len(parts) != 2 or not all(parts):
        return ""
    lat, lon = parts
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def alert_text(tr: Callable[..., str], senior: Senior, when: dt.datetime) -> tuple[str, str]:
    """The title and body of the alert the family receives, in the senior's language."""
    name = senior.name.strip() or tr("sos.alert.someone")
    lines = [tr("sos.alert.pressed", name=name, time=when.strftime("%Y-%m-%d %H:%M"))]
    if senior.address.strip():
        lines.append(tr("sos.alert.address", address=senior.address.strip()))
    if senior.medical.strip():
        lines.append(tr("sos.alert.medical", notes=senior.medical.strip()))
    link = map_link(senior.location)
    if link:
        lines.append(tr("sos.alert.map", link=link))
    if senior.emergency_number:
        lines.append(tr("sos.alert.number", number=senior.emergency_number))
    return tr("sos.alert.title", name=name), "\n".join(lines)


class CountdownView(Screen):
    """ "Calling your family in 5…" with a huge Cancel that holds the focus."""

    def __init__(self, plugin: SosPlugin) -> None:
        super().__init__()
        self.setObjectName("sosCountdown")
        tr = plugin.context.tr
        self.remaining = int(plugin.context.config.get("countdown_seconds", 5))
        self.title = BigLabel(tr("sos.countdown.title"), role="title")
        self.title.setObjectName("screenTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number = HugeText(str(self.remaining))
        self.number.setObjectName("sosSeconds")
        self.cancel = BigButton(tr("sos.cancel"), role="primary")
        self.cancel.setObjectName("cancelSos")
        self.cancel.setAccessibleDescription(tr("sos.cancel.describe"))
        self.add(self.title)
        self.add(self.number, 1)
        # "Pressed by mistake? Tap Cancel" is said aloud; on screen the big Cancel says it,
        # and at 200 % text there is room for nothing more.
        self.add(self.cancel)

    def showEvent(self, event: Any) -> None:  # a QShowEvent
        super().showEvent(event)
        # A stray Enter or switch press must stop the alarm, never hurry it.
        self.cancel.setFocus()


class StatusView(Screen):
    """After the alarm went out: who was told, the emergency number huge, and a Call."""

    def __init__(self, plugin: SosPlugin, channels: int) -> None:
        super().__init__()
        self.setObjectName("sosRaised")
        self.plugin = plugin
        context = plugin.context
        tr = context.tr
        self.number_text = context.senior().emergency_number
        told = channels > 0
        self.title = BigLabel(
            tr("sos.told.title") if told else tr("sos.nobody.title", number=self.number_text),
            role="title",
        )
        self.title.setObjectName("screenTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = BigLabel(
            tr("sos.status.sending") if told else tr("sos.nobody.body"), role="body"
        )
        self.status.setObjectName("sosStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number = HugeText(self.number_text)
        self.number.setObjectName("emergencyNumber")
        self.call = BigButton(tr("sos.call", number=self.number_text), role="danger")
        self.call.setObjectName("callEmergency")
        self.call.setAccessibleDescription(tr("sos.call.describe", number=self.number_text))
        self.call.clicked.connect(self.dial)
        self.again = BigButton(tr("sos.again"), role="normal")
        self.again.setObjectName("sosAgain")
        self.again.setAccessibleDescription(tr("sos.again.describe"))
        self.add(self.title)
        self.add(self.status)
        self.add(self.number, 1)
        # Side by side, so both stay on screen at 200 % text.
        self.add_row(self.call, self.again, stretches=(1, 1))
        self.call.setVisible(bool(self.number_text))
        self.number.setVisible(bool(self.number_text))
        self._said = ""

    def dial(self) -> None:
        tr = self.plugin.context.tr
        if not self.plugin.context.open_url(f"tel:{self.number_text}"):
            self.status.setVisible(True)
            self.status.setText(tr("sos.call.failed", number=self.number_text))
            self.plugin.context.say(self.status.text())

    def show_status(self, status: AlarmStatus | None) -> None:
        """Put the alarm's progress in words; say it when it changes."""
        if status is None or status.channels == 0:
            return
        tr = self.plugin.context.tr
        if status.acknowledged_by:
            text = tr("sos.status.acknowledged", name=status.acknowledged_by)
        elif status.delivered == 0 and status.retrying:
            text = tr("sos.status.retrying", number=self.number_text)
        elif status.rounds > 1:
            text = tr("sos.status.escalated")
        elif status.delivered:
            text = tr("sos.status.delivered")
        else:
            text = tr("sos.status.sending")
        self.status.setText(text)
        if text != self._said and text != tr("sos.status.sending"):
            self._said = text
            self.plugin.context.say(text, interrupt=False)


class SosPlugin(Plugin):
    """The big red SOS tile."""

    def activate(self) -> None:
        #: The alarm raised from this tile, and when, while Leling runs.
        self.raised: tuple[str, float, int] | None = None
        self.screen: Screen | None = None

    def create_screen(self) -> QWidget:
        self.screen = Screen()
        self.screen.setObjectName("sos")
        recent = self.raised is not None and time.time() - self.raised[1] < SHOW_RAISED_FOR_S
        if recent and self.raised is not None:
            self._show_raised(self.raised[2])
        else:
            self._start_countdown()
        return self.screen

    def _swap(self, view: Screen) -> None:
        assert self.screen is not None
        layout = self.screen.layout()
        while layout is not None and layout.count():
            item = layout.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.hide()
                old.deleteLater()
        self.screen.add(view, 1)

    def _start_countdown(self) -> None:
        context = self.context
        view = CountdownView(self)
        view.cancel.clicked.connect(self._cancelled)
        self._swap(view)
        context.say(context.tr("sos.countdown.spoken", seconds=view.remaining), interrupt=False)

        def tick() -> None:
            if view.remaining <= 0:
                return
            view.remaining -= 1
            view.number.set_text(str(view.remaining))
            if view.remaining > 0:
                context.say(str(view.remaining))
            else:
                timer.stop()
                self._raise()

        timer = context.every(1000, tick)
        self._countdown = timer

    def _cancelled(self) -> None:
        self._countdown.stop()
        tr = self.context.tr
        view = Screen()
        view.setObjectName("sosCancelled")
        title = BigLabel(tr("sos.cancelled.title"), role="title")
        title.setObjectName("screenTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = BigLabel(tr("sos.cancelled.body"), role="body")
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        again = BigButton(tr("sos.again"), role="danger")
        again.setObjectName("sosAgain")
        again.setAccessibleDescription(tr("sos.again.describe"))
        again.clicked.connect(self._start_countdown)
        view.add(title)
        view.add(body, 1)
        view.add(again)
        self._swap(view)
        self.context.say(f"{title.text()} {body.text()}")

    def _raise(self) -> None:
        context = self.context
        tr = context.tr
        senior = context.senior()
        title, body = alert_text(tr, senior, dt.datetime.now().astimezone())
        key = uuid.uuid4().hex
        name = senior.name.strip() or tr("sos.alert.someone")
        channels = context.raise_alarm(
            title, body, key=key, acknowledge=tr("sos.alert.ack", name=name, link="{link}")
        )
        if channels == 0:
            context.tell_helper(
                "SOS was pressed but no emergency contact has an alert channel: mark "
                "contacts as emergency contacts and give them an address in 'alerts'"
            )
        self.raised = (key, time.time(), channels)
        self._show_raised(channels)

    def _show_raised(self, channels: int) -> None:
        assert self.raised is not None
        context = self.context
        tr = context.tr
        key = self.raised[0]
        view = StatusView(self, channels)
        view.again.clicked.connect(self._start_countdown)
        self._swap(view)
        number = view.number_text
        spoken = [view.title.text()]
        if channels and number:
            spoken.append(tr("sos.told.spoken", number=number))
        context.say(" ".join(spoken), interrupt=False)
        view.show_status(context.alarm(key))
        context.every(STATUS_EVERY_MS, lambda: view.show_status(context.alarm(key)))
