"""Alerts to the family, kept until they are delivered: the outbox.

Every alert (an SOS, a missed medicine, a test) goes to each of a contact's channels, one
row per channel in ``outbox.sqlite`` (WAL) in the profile. A row stays until its channel
takes it, with a growing pause between tries, so nothing is lost while the network or the
family's server is down, or while Leling is off. Each alert has an idempotency key: an
alert enqueued twice (a restart mid-send, a double press) is still sent once per channel.

Sending goes through a ``Sender`` (:func:`launcher.core.notify.apprise_sender` in
Leling), so this module needs no network library.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from launcher.core.report import WalDatabase

OUTBOX_FILE = "outbox.sqlite"

#: Sends one alert through one channel: (url, title, body) → (delivered, what happened).
Sender = Callable[[str, str, str], tuple[bool, str]]

#: Pauses between tries of one channel, in seconds: 15 s, 30 s, 1 min… at most an hour.
FIRST_PAUSE_S = 15
LONGEST_PAUSE_S = 3600

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS deliveries ("
    " id INTEGER PRIMARY KEY, key TEXT NOT NULL,"
    " created TEXT NOT NULL, contact TEXT NOT NULL, url TEXT NOT NULL,"
    " title TEXT NOT NULL, body TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'pending',"  # pending, delivered
    " attempts INTEGER NOT NULL DEFAULT 0, next_try REAL NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '', delivered_at TEXT,"
    " UNIQUE (key, url))",
)


@dataclass(frozen=True)
class Delivery:
    """One alert through one channel."""

    id: int
    key: str
    contact: str
    url: str
    title: str
    body: str
    status: str
    attempts: int
    last_error: str
    #: When it was queued (ISO 8601, local time).
    created: str = ""

    @property
    def where(self) -> str:
        """The channel without its secrets: scheme and host only."""
        return redact(self.url)


def redact(url: str) -> str:
    """What of a channel's address may be printed or logged: its scheme, and its host
    when it has one (``mailto://user:pw@mail.example.com/…`` → ``mailto://mail.example.com``).
    Many services put a token where a host would be (``tgram://TOKEN/…``): those show as
    ``tgram://…``."""
    scheme, _, rest = url.partition("://")
    if not rest:
        return scheme[:12] + "://…"
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    looks_like_host = re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", host) is not None
    if looks_like_host and ("." in host or host.split(":")[0] == "localhost"):
        return f"{scheme}://{host}"
    return f"{scheme}://…"


class Outbox:
    """The alerts of one profile that are on their way, and what became of them."""

    def __init__(self, profile_dir: Path, clock: Callable[[], float] = time.time) -> None:
        self.db = WalDatabase(profile_dir / OUTBOX_FILE, _SCHEMA)
        self.clock = clock

    def enqueue(
        self, key: str, contact: str, urls: Sequence[str], title: str, body: str
    ) -> list[Delivery]:
        """Queue one alert to every channel of a contact. The same ``key`` again queues
        nothing new: each channel gets the alert once, even one two contacts share."""
        created = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        with self.db.connect() as db:
            for url in urls:
                db.execute(
                    "INSERT OR IGNORE INTO deliveries"
                    " (key, created, contact, url, title, body, next_try)"
                    " VALUES (?, ?, ?, ?, ?, ?, 0)",
                    (key, created, contact, url, title, body),
                )
        return self.deliveries(key)

    def deliveries(self, key: str | None = None) -> list[Delivery]:
        query = (
            "SELECT id, key, contact, url, title, body, status, attempts, last_error, created"
            " FROM deliveries"
        )
        with self.db.connect() as db:
            if key is None:
                rows = db.execute(query + " ORDER BY id").fetchall()
            else:
                rows = db.execute(query + " WHERE key = ? ORDER BY id", (key,)).fetchall()
        return [Delivery(*row) for row in rows]

    def outcome(self, key: str) -> str:
        """How the alert ``key`` went, over all its channels: ``success`` (every channel
        took it), ``partial`` (some did), ``failure`` (none did, and each has been
        tried), ``pending`` (some not tried yet, none taken) or ``none`` (no channel)."""
        deliveries = self.deliveries(key)
        if not deliveries:
            return "none"
        taken = sum(d.status == "delivered" for d in deliveries)
        if taken == len(deliveries):
            return "success"
        if taken:
            return "partial"
        return "failure" if all(d.attempts for d in deliveries) else "pending"

    def reroute(self, contact: str, urls: Sequence[str]) -> int:
        """The family changed ``contact``'s channels: alerts still waiting for a channel
        the contact no longer has go to their channels now, each once. Returns how many
        waiting deliveries were moved."""
        waiting = [d for d in self.pending() if d.contact == contact and d.url not in set(urls)]
        if not waiting or not urls:
            return 0
        created = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        with self.db.connect() as db:
            for delivery in waiting:
                for url in urls:
                    db.execute(
                        "INSERT OR IGNORE INTO deliveries"
                        " (key, created, contact, url, title, body, next_try)"
                        " VALUES (?, ?, ?, ?, ?, ?, 0)",
                        (delivery.key, created, contact, url, delivery.title, delivery.body),
                    )
                db.execute("DELETE FROM deliveries WHERE id = ?", (delivery.id,))
        return len(waiting)

    def recent(self, since: float) -> list[Delivery]:
        """Deliveries queued at or after ``since`` (Unix seconds), one per alert and
        contact, oldest first."""
        first = dt.datetime.fromtimestamp(since).astimezone().isoformat(timespec="seconds")
        seen: set[tuple[str, str]] = set()
        found = []
        for delivery in self.deliveries():
            if delivery.created < first or (delivery.key, delivery.contact) in seen:
                continue
            seen.add((delivery.key, delivery.contact))
            found.append(delivery)
        return found

    def pending(self) -> list[Delivery]:
        return [d for d in self.deliveries() if d.status == "pending"]

    def send_due(self, sender: Sender, *, everything: bool = False) -> list[Delivery]:
        """Try every pending channel whose pause is over (``everything``: all pending
        ones, now). Returns the deliveries tried, as they are after the try."""
        now = self.clock()
        with self.db.connect() as db:
            rows = db.execute(
                "SELECT id, url, title, body, attempts FROM deliveries"
                " WHERE status = 'pending' AND (? OR next_try <= ?) ORDER BY id",
                (everything, now),
            ).fetchall()
        tried: list[int] = []
        for row_id, url, title, body, attempts in rows:
            delivered, what = sender(url, title, body)
            pause = min(LONGEST_PAUSE_S, FIRST_PAUSE_S * 2**attempts)
            with self.db.connect() as db:
                if delivered:
                    # A channel that took it only in part keeps what was said about it.
                    note = "" if what == "delivered" else what
                    at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
                    db.execute(
                        "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1,"
                        " last_error = ?, delivered_at = ? WHERE id = ?",
                        (note, at, row_id),
                    )
                else:
                    db.execute(
                        "UPDATE deliveries SET attempts = attempts + 1, last_error = ?,"
                        " next_try = ? WHERE id = ?",
                        (what, self.clock() + pause, row_id),
                    )
            tried.append(row_id)
        return [d for d in self.deliveries() if d.id in tried]

    def forget(self, key: str) -> None:
        """Drop an alert and what became of it (a test, once its results are shown)."""
        with self.db.connect() as db:
            db.execute("DELETE FROM deliveries WHERE key = ?", (key,))

    def next_due_in(self) -> float | None:
        """Seconds until the next pending try is due (0 if one is due now), or None."""
        with self.db.connect() as db:
            row = db.execute(
                "SELECT MIN(next_try) FROM deliveries WHERE status = 'pending'"
            ).fetchone()
        if row is None or row[0] is None:
            return None
        return max(0.0, float(row[0]) - self.clock())
