"""The medicines and the log of every dose, in one SQLite file in the plugin's data
folder (WAL mode: a power cut loses at most the last answer, never the file).

A removed medicine is kept, marked removed, so the log still names it. Every dose that
fell due has one row, named by its medicine, local date and wall time, so a tick that
runs twice, or a restart, never makes a second one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from .schedule import OPEN, DoseState, Occurrence, Schedule

FILE = "medicine.sqlite"
#: Doses older than this are let go of (the family sees 30 days).
KEEP_DAYS = 90

_TABLES = """
CREATE TABLE IF NOT EXISTS medicines (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    dose TEXT NOT NULL,
    times TEXT NOT NULL,
    days TEXT NOT NULL,
    photo TEXT NOT NULL DEFAULT '',
    since TEXT NOT NULL,
    added_by TEXT NOT NULL DEFAULT '',
    removed INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS doses (
    key TEXT PRIMARY KEY,
    medicine_id TEXT NOT NULL,
    name TEXT NOT NULL,
    dose TEXT NOT NULL,
    day TEXT NOT NULL,
    time TEXT NOT NULL,
    due TEXT NOT NULL,
    status TEXT NOT NULL,
    remind_at TEXT,
    acted TEXT,
    alerted TEXT
);
CREATE INDEX IF NOT EXISTS doses_by_day ON doses(day);
"""


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass(frozen=True)
class Medicine:
    id: str
    name: str
    #: How much, in the family's words ("1 tablet", "半片").
    dose: str
    times: tuple[str, ...]
    days: tuple[int, ...]
    #: The photo of the box in ``photos/``, or empty.
    photo: str
    since: datetime
    added_by: str = ""
    removed: bool = False

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.id, self.times, self.days, self.since)


@dataclass(frozen=True)
class Dose:
    """One dose that fell due, with what became of it."""

    key: str
    medicine_id: str
    #: The medicine's name and dose when it fell due (they may change later).
    name: str
    dose: str
    day: date
    time: str
    due: datetime
    #: ``open``, ``taken``, ``late``, ``skipped`` or ``missed``.
    status: str
    remind_at: datetime | None
    #: When the senior answered (took or skipped it).
    acted: datetime | None
    #: When the family was told it was not taken.
    alerted: datetime | None

    @property
    def state(self) -> DoseState:
        return DoseState(
            self.key, self.medicine_id, self.due, self.status, self.remind_at, bool(self.alerted)
        )


class MedicineStore:
    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_TABLES)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._db:
            yield self._db

    # -- medicines -------------------------------------------------------------------

    def medicines(self, *, removed: bool = False) -> list[Medicine]:
        """The medicines in the order they were added; with ``removed``, removed ones too."""
        rows = self._db.execute(
            "SELECT id, name, dose, times, days, photo, since, added_by, removed FROM medicines "
            + ("" if removed else "WHERE removed = 0 ")
            + "ORDER BY position, rowid"
        ).fetchall()
        return [
            Medicine(
                id=row[0],
                name=row[1],
                dose=row[2],
                times=tuple(json.loads(row[3])),
                days=tuple(json.loads(row[4])),
                photo=row[5],
                since=datetime.fromisoformat(row[6]),
                added_by=row[7],
                removed=bool(row[8]),
            )
            for row in rows
        ]

    def medicine(self, medicine_id: str) -> Medicine | None:
        return next((m for m in self.medicines(removed=True) if m.id == medicine_id), None)

    def save(self, medicine: Medicine) -> None:
        """Add ``medicine``, or change the one with its id."""
        values = (
            medicine.name,
            medicine.dose,
            json.dumps(list(medicine.times)),
            json.dumps(list(medicine.days)),
            medicine.photo,
            _iso(medicine.since),
            medicine.added_by,
            int(medicine.removed),
            medicine.id,
        )
        with self._writing() as db:
            changed = db.execute(
                "UPDATE medicines SET name = ?, dose = ?, times = ?, days = ?, photo = ?, "
                "since = ?, added_by = ?, removed = ? WHERE id = ?",
                values,
            ).rowcount
            if not changed:
                db.execute(
                    "INSERT INTO medicines (name, dose, times, days, photo, since, added_by, "
                    "removed, id, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "(SELECT COALESCE(MAX(position), 0) + 1 FROM medicines))",
                    values,
                )

    def remove(self, medicine: Medicine) -> None:
        """Mark it removed; its doses not answered are logged missed, never offered again."""
        with self._writing() as db:
            db.execute("UPDATE medicines SET removed = 1 WHERE id = ?", (medicine.id,))
            db.execute(
                "UPDATE doses SET status = 'missed', remind_at = NULL "
                "WHERE medicine_id = ? AND status = ?",
                (medicine.id, OPEN),
            )

    def photos_in_use(self) -> set[str]:
        rows = self._db.execute("SELECT photo FROM medicines WHERE removed = 0").fetchall()
        return {row[0] for row in rows if row[0]}

    # -- doses -----------------------------------------------------------------------

    def record(self, occurrence: Occurrence, medicine: Medicine) -> bool:
        """Note a dose that fell due; False if it was known already."""
        with self._writing() as db:
            added = db.execute(
                "INSERT OR IGNORE INTO doses (key, medicine_id, name, dose, day, time, due, "
                "status, remind_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    occurrence.key,
                    medicine.id,
                    medicine.name,
                    medicine.dose,
                    occurrence.day.isoformat(),
                    occurrence.time,
                    _iso(occurrence.due),
                    OPEN,
                    _iso(occurrence.due),
                ),
            ).rowcount
        return bool(added)

    def doses(
        self, *, since_day: date | None = None, open_only: bool = False, key: str = ""
    ) -> list[Dose]:
        """Doses, soonest first: from ``since_day`` on, only those not answered, or the
        one named ``key``."""
        where, values = [], []
        if key:
            where.append("key = ?")
            values.append(key)
        if since_day is not None:
            where.append("day >= ?")
            values.append(since_day.isoformat())
        if open_only:
            where.append("status = ?")
            values.append(OPEN)
        condition = f"WHERE {' AND '.join(where)} " if where else ""
        rows = self._db.execute(
            "SELECT key, medicine_id, name, dose, day, time, due, status, remind_at, acted, "
            f"alerted FROM doses {condition}ORDER BY due",
            values,
        ).fetchall()
        return [
            Dose(
                key=row[0],
                medicine_id=row[1],
                name=row[2],
                dose=row[3],
                day=date.fromisoformat(row[4]),
                time=row[5],
                due=datetime.fromisoformat(row[6]),
                status=row[7],
                remind_at=_moment(row[8]),
                acted=_moment(row[9]),
                alerted=_moment(row[10]),
            )
            for row in rows
        ]

    def dose(self, key: str) -> Dose | None:
        found = self.doses(key=key)
        return found[0] if found else None

    def update(self, dose: Dose, **changes: object) -> Dose:
        changed = replace(dose, **changes)  # type: ignore[arg-type]
        with self._writing() as db:
            db.execute(
                "UPDATE doses SET status = ?, remind_at = ?, acted = ?, alerted = ? WHERE key = ?",
                (
                    changed.status,
                    _iso(changed.remind_at),
                    _iso(changed.acted),
                    _iso(changed.alerted),
                    dose.key,
                ),
            )
        return changed

    def forget_before(self, day: date) -> None:
        with self._writing() as db:
            db.execute("DELETE FROM doses WHERE day < ?", (day.isoformat(),))
