"""A daily "I'm OK": if the senior has not touched Leling by the family's check-in time, a
gentle prompt comes up and is said; one tap tells the family "I'm OK". Still no touch
after ``wait_minutes``, and the family is alerted. A senior who was up and about before
the check-in time sees and hears nothing, and nobody is bothered.

The tile does the same at any time of day: one big "I'm OK" that tells the family.
What happened today is kept in the plugin's folder, so a restart neither asks twice nor
forgets that the senior was up, and an unanswered prompt still alerts on time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from launcher.api import (
    MessageScreen,
    Plugin,
    QWidget,
    write_file,
)

from .rules import Day, next_step, note_touch, parse_time

#: How often the check-in looks at the clock. A minute late is no matter for a greeting.
TICK_MS = 30_000
STATE_FILE = "today.json"


def local_now() -> datetime:
    return datetime.now().astimezone()


class CheckinView(MessageScreen):
    """The prompt (and the tile's screen): a greeting, why, and one huge "I'm OK"."""

    def __init__(self, title: str, body: str, button: str) -> None:
        super().__init__(title, body, button_text=button)
        self.setObjectName("checkinPrompt")
        self.button.setObjectName("checkinOk")

    def show_told(self, title: str, body: str) -> None:
        self.setObjectName("checkinTold")
        self.title_label.setText(title)
        self.body_label.setText(body)
        self.button.hide()


class CheckinPlugin(Plugin):
    def activate(self) -> None:
        config = self.context.config
        self.at = parse_time(str(config.get("time", "10:00")))
        self.wait = timedelta(minutes=int(config.get("wait_minutes", 60)))
        #: The clock, on the senior's local time; tests put their own.
        self.now: Callable[[], datetime] = local_now
        self.view: CheckinView | None = None
        self.context.every(TICK_MS, self.check, background=True)
        self.check()

    # -- the day's record ----------------------------------------------------------------

    @property
    def state_path(self) -> Path:
        return self.context.data_dir / STATE_FILE

    def today(self) -> Day:
        now = self.now()
        try:
            data: Any = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = None
        except (OSError, ValueError) as error:
            self.context.log.warning(
                "check-in: %s unreadable (%s); starting the day afresh", self.state_path, error
            )
            data = None
        day = Day.load(data, now.date())
        touched = self.context.last_touch()
        note_touch(day, None if touched is None else touched.astimezone(now.tzinfo))
        return day

    def save(self, day: Day) -> None:
        write_file(self.state_path, json.dumps(day.dump()))

    # -- the tick ------------------------------------------------------------------------

    def check(self) -> None:
        """Look at the clock and the last touch; prompt or alert when it is time."""
        day = self.today()
        before = day.dump()
        now = self.now()
        step = next_step(day, now, self.at, self.wait)
        if step == "prompt":
            day.prompted = now.isoformat()
            self.prompt()
        elif step == "alert":
            day.alerted = now.isoformat()
            self.alert(day)
        elif day.prompted and not day.answered and not day.alerted and self.view is None:
            # Leling restarted with the prompt unanswered: it comes back up.
            if day.moment("touched") is None:
                self.prompt()
        if day.dump() != before or not self.state_path.exists():
            # Written when something happened, not at every look at the clock.
            self.save(day)

    def prompt(self) -> None:
        tr = self.context.tr
        hour = self.now().hour
        title = tr(
            "checkin.prompt.title"
            if hour < 12
            else "checkin.prompt.title.afternoon"
            if hour < 18
            else "checkin.prompt.title.evening"
        )
        view = self._view(title, tr("checkin.prompt.body"))
        self.context.present(view)
        self.context.say(f"{title} {tr('checkin.prompt.body')}")

    def alert(self, day: Day) -> None:
        tr = self.context.tr
        name = self._name()
        prompted = day.moment("prompted")
        asked = prompted.strftime("%H:%M") if prompted else ""
        channels = self.context.notify(
            tr("checkin.alert.title", name=name),
            tr(
                "checkin.alert.body",
                name=name,
                time=asked,
                minutes=int(self.wait.total_seconds() // 60),
            ),
            key=f"checkin-missed-{day.date}",
        )
        if channels == 0:
            self.context.tell_helper(tr("checkin.nobody"))

    # -- the senior's "I'm OK" -------------------------------------------------------------

    def create_screen(self) -> QWidget:
        tr = self.context.tr
        day = self.today()
        answered = day.moment("answered")
        body = tr("checkin.tile.body")
        if answered is not None:
            body = f"{body}\n{tr('checkin.tile.already', time=answered.strftime('%H:%M'))}"
        return self._view(tr("checkin.tile.title"), body)

    def _view(self, title: str, body: str) -> CheckinView:
        view = CheckinView(title, body, self.context.tr("checkin.ok"))
        view.done.connect(lambda: self.tell_family(view))
        view.destroyed.connect(lambda: self._forget(view))
        self.view = view
        return view

    def _forget(self, view: CheckinView) -> None:
        if self.view is view:
            self.view = None

    def tell_family(self, view: CheckinView) -> None:
        tr = self.context.tr
        day = self.today()
        now = self.now()
        day.answered = now.isoformat()
        self.save(day)
        name = self._name()
        channels = self.context.notify(
            tr("checkin.ok.title", name=name),
            tr("checkin.ok.body", name=name, time=now.strftime("%H:%M")),
            key=f"checkin-ok-{day.date}",
        )
        if channels == 0:
            self.context.tell_helper(tr("checkin.nobody"))
            title, body = tr("checkin.nobody.title"), tr("checkin.nobody.body")
        else:
            title, body = tr("checkin.told.title"), tr("checkin.told.body")
        view.show_told(title, body)
        self.context.say(f"{title} {body}")

    def _name(self) -> str:
        return self.context.senior().name or self.context.tr("checkin.someone")
