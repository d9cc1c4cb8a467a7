"""SOS alarms that escalate until a relative says "I've seen it".

An alarm first reaches the emergency contacts of the lowest circle (``circle`` in each
contact). Every alert carries a link of its own, served by remote help, on which that
relative acknowledges it; a relative using the remote-help app can acknowledge it there.
When nobody has acknowledged within ``emergency.escalate_minutes``, the next circle is
alerted, then the next; after the last circle everyone is alerted again, a few times.

Alarms live in ``alarms.sqlite`` in the profile and their alerts go through the
:class:`launcher.core.outbox.Outbox`, so an alarm survives a restart: escalation carries
on where it was, and no channel gets one step twice (each step has its own outbox key).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from launcher.core.notify import alert_urls
from launcher.core.outbox import Outbox
from launcher.core.report import WalDatabase

ALARMS_FILE = "alarms.sqlite"

#: After the last circle, everyone is alerted again this many times, then escalation
#: stops (the senior's screen keeps the emergency number).
REPEATS_AFTER_LAST_CIRCLE = 3

#: An alarm older than this is no longer shown as active anywhere.
ACTIVE_FOR_S = 24 * 3600

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS alarms ("
    " key TEXT PRIMARY KEY, raised TEXT NOT NULL, raised_at REAL NOT NULL,"
    " title TEXT NOT NULL, body TEXT NOT NULL, ack_line TEXT NOT NULL,"
    " escalate_s REAL NOT NULL,"
    " step INTEGER NOT NULL DEFAULT 0, next_step REAL NOT NULL,"
    " acknowledged_by TEXT NOT NULL DEFAULT '', acknowledged_at TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS alarm_links ("
    " token TEXT PRIMARY KEY, key TEXT NOT NULL, contact TEXT NOT NULL)",
)


@dataclass(frozen=True)
class AlarmState:
    """How one alarm is going."""

    key: str
    raised: str
    title: str
    body: str
    #: 0: the first circle has been told; each escalation adds one.
    step: int
    #: Who said "I've seen it" first; empty while nobody has.
    acknowledged_by: str
    acknowledged_at: str
    raised_at: float

    @property
    def acknowledged(self) -> bool:
        return bool(self.acknowledged_by)


def circles_of(contacts: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Emergency contacts with a channel, grouped by circle, the first circle first."""
    by_circle: dict[int, list[Mapping[str, Any]]] = {}
    for contact in contacts:
        if contact.get("emergency") and alert_urls(contact):
            by_circle.setdefault(int(contact.get("circle", 1)), []).append(contact)
    return [by_circle[circle] for circle in sorted(by_circle)]


class Alarms:
    """The SOS alarms of one profile."""

    def __init__(
        self, profile_dir: Path, outbox: Outbox, clock: Callable[[], float] = time.time
    ) -> None:
        self.db = WalDatabase(profile_dir / ALARMS_FILE, _SCHEMA)
        self.outbox = outbox
        self.clock = clock

    def raise_alarm(
        self,
        key: str,
        title: str,
        body: str,
        contacts: Sequence[Mapping[str, Any]],
        *,
        escalate_s: float,
        link_base: str | None,
        ack_line: str = "{link}",
    ) -> int:
        """Raise the alarm ``key`` and queue it to the first circle; the number of
        channels it goes to. Raising the same key again queues nothing new.

        With a ``link_base`` (remote help's address), each alert ends with ``ack_line``
        holding that relative's own acknowledgement link as ``{link}``."""
        now = self.clock()
        raised = dt.datetime.fromtimestamp(now).astimezone().isoformat(timespec="seconds")
        with self.db.connect() as db:
            fresh = db.execute(
                "INSERT OR IGNORE INTO alarms"
                " (key, raised, raised_at, title, body, ack_line, escalate_s, step, next_step)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
                (key, raised, now, title, body, ack_line, escalate_s, now + escalate_s),
            ).rowcount
        if fresh:
            self._alert_step(key, 0, title, body, ack_line, contacts, link_base)
        return len(self.outbox.deliveries(self._outbox_key(key, 0)))

    @staticmethod
    def _outbox_key(key: str, step: int) -> str:
        return f"{key}:step{step}"

    def _alert_step(
        self,
        key: str,
        step: int,
        title: str,
        body: str,
        ack_line: str,
        contacts: Sequence[Mapping[str, Any]],
        link_base: str | None,
    ) -> int:
        circles = circles_of(contacts)
        if not circles:
            return 0
        if step < len(circles):
            people = circles[step]
        else:
            people = [person for circle in circles for person in circle]
        outbox_key = self._outbox_key(key, step)
        for person in people:
            name = str(person.get("name", ""))
            text = body
            if link_base:
                token = self._link_for(key, name)
                text += "\n\n" + ack_line.replace("{link}", f"{link_base}api/ack/{token}")
            self.outbox.enqueue(outbox_key, name, alert_urls(person), title, text)
        return len(people)

    def _link_for(self, key: str, contact: str) -> str:
        with self.db.connect() as db:
            row = db.execute(
                "SELECT token FROM alarm_links WHERE key = ? AND contact = ?", (key, contact)
            ).fetchone()
            if row is not None:
                return str(row[0])
            token = secrets.token_urlsafe(18)
            db.execute(
                "INSERT INTO alarm_links (token, key, contact) VALUES (?, ?, ?)",
                (token, key, contact),
            )
            return token

    def escalate_due(
        self, contacts: Sequence[Mapping[str, Any]], link_base: str | None
    ) -> list[AlarmState]:
        """Alert the next circle of every alarm nobody acknowledged in time; the alarms
        that escalated, as they are now."""
        now = self.clock()
        with self.db.connect() as db:
            rows = db.execute(
                "SELECT key, step, title, body, ack_line, escalate_s FROM alarms"
                " WHERE acknowledged_by = '' AND next_step <= ? AND raised_at > ?",
                (now, now - ACTIVE_FOR_S),
            ).fetchall()
        escalated = []
        last_step = len(circles_of(contacts)) - 1 + REPEATS_AFTER_LAST_CIRCLE
        for key, step, title, body, ack_line, escalate_s in rows:
            step = int(step) + 1
            with self.db.connect() as db:
                if step > last_step:
                    # Nobody answered after every circle and the repeats: stop alerting.
                    db.execute("UPDATE alarms SET next_step = ? WHERE key = ?", (1e18, key))
                    continue
                db.execute(
                    "UPDATE alarms SET step = ?, next_step = ? WHERE key = ?",
                    (step, now + float(escalate_s), key),
                )
            self._alert_step(key, step, title, body, ack_line, contacts, link_base)
            state = self.state(key)
            if state is not None:
                escalated.append(state)
        return escalated

    def next_step_in(self) -> float | None:
        """Seconds until an alarm is due to escalate, or None when none is waiting."""
        now = self.clock()
        with self.db.connect() as db:
            row = db.execute(
                "SELECT MIN(next_step) FROM alarms WHERE acknowledged_by = ''"
                " AND raised_at > ? AND next_step < 1e17",
                (now - ACTIVE_FOR_S,),
            ).fetchone()
        if row is None or row[0] is None:
            return None
        return max(0.0, float(row[0]) - now)

    def state(self, key: str) -> AlarmState | None:
        with self.db.connect() as db:
            row = db.execute(
                "SELECT key, raised, title, body, step, acknowledged_by, acknowledged_at,"
                " raised_at FROM alarms WHERE key = ?",
                (key,),
            ).fetchone()
        return None if row is None else AlarmState(*row)

    def active(self) -> list[AlarmState]:
        """Alarms of the last day nobody has acknowledged yet, the newest first."""
        with self.db.connect() as db:
            rows = db.execute(
                "SELECT key, raised, title, body, step, acknowledged_by, acknowledged_at,"
                " raised_at FROM alarms WHERE acknowledged_by = '' AND raised_at > ?"
                " ORDER BY raised_at DESC",
                (self.clock() - ACTIVE_FOR_S,),
            ).fetchall()
        return [AlarmState(*row) for row in rows]

    def link(self, token: str) -> tuple[AlarmState, str] | None:
        """The alarm and the relative an acknowledgement link was made for."""
        with self.db.connect() as db:
            row = db.execute(
                "SELECT key, contact FROM alarm_links WHERE token = ?", (token,)
            ).fetchone()
        if row is None:
            return None
        state = self.state(str(row[0]))
        return None if state is None else (state, str(row[1]))

    def acknowledge(self, key: str, who: str) -> AlarmState | None:
        """``who`` has seen the alarm: escalation stops. The first acknowledgement is
        kept; later ones change nothing. None when there is no such alarm."""
        at = dt.datetime.fromtimestamp(self.clock()).astimezone().isoformat(timespec="seconds")
        with self.db.connect() as db:
            db.execute(
                "UPDATE alarms SET acknowledged_by = ?, acknowledged_at = ?"
                " WHERE key = ? AND acknowledged_by = ''",
                (who, at, key),
            )
        return self.state(key)


def profile_alarms(profile_dir: Path) -> Alarms:
    """The alarms of the profile in ``profile_dir``, with its outbox."""
    return Alarms(profile_dir, Outbox(profile_dir))
