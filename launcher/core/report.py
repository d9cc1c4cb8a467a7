"""The helper report: problems a helper should know about, kept in SQLite.

Plugin failures, settings that were repaired, files that were set aside. The senior is
never shown a traceback; the helper reads this (``leling report``) instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3


@dataclass(frozen=True)
class Problem:
    at: str
    source: str
    message: str
    detail: str


class WalDatabase:
    """An SQLite file in WAL mode, opened for each use and closed after it.

    One short connection per call: these files are written rarely and from any thread
    (the UI, the remote-help server). The file and its tables are made on first use, so
    a start that records nothing touches no disk.
    """

    def __init__(self, path: Path, schema: tuple[str, ...]) -> None:
        self.path = path
        self.schema = schema
        self._ready = False

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection inside a transaction: committed, or rolled back on error."""
        import sqlite3  # off the start-up path: most starts record nothing

        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=5)
        try:
            with db:
                if not self._ready:
                    db.execute("PRAGMA journal_mode=WAL")
                    for statement in self.schema:
                        db.execute(statement)
                    self._ready = True
                yield db
        finally:
            db.close()


class HelperReport:
    """Appends problems to ``events.sqlite`` (WAL) in a profile folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = WalDatabase(
            path,
            (
                "CREATE TABLE IF NOT EXISTS problems ("
                " id INTEGER PRIMARY KEY, at TEXT NOT NULL, source TEXT NOT NULL,"
                " message TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '')",
            ),
        )

    def add(self, source: str, message: str, detail: str = "", *, once: bool = False) -> None:
        """Record a problem. With ``once``, a problem already recorded is not repeated
        (a broken plugin found at every start is reported the first time only)."""
        at = dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
        with self._db.connect() as db:
            if (
                once
                and db.execute(
                    "SELECT 1 FROM problems WHERE source = ? AND message = ? LIMIT 1",
                    (source, message),
                ).fetchone()
            ):
                return
            db.execute(
                "INSERT INTO problems (at, source, message, detail) VALUES (?, ?, ?, ?)",
                (at, source, message, detail),
            )

    def problems(self, limit: int = 200) -> list[Problem]:
        with self._db.connect() as db:
            rows = db.execute(
                "SELECT at, source, message, detail FROM problems ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [Problem(*row) for row in reversed(rows)]
