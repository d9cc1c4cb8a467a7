"""The people who may help from afar, how they pair, and what they changed.

- :class:`PairingDesk`: one-time 6-digit codes shown on the senior's screen. A code lives
  ten minutes; five wrong codes in a row lock pairing for ten minutes. A relative who
  gives the right code waits for the senior's Yes; only then is a token issued.
- :class:`HelperBook`: the paired helpers. A token is shown once and stored only as a
  SHA-256 hash, so a copy of the profile does not let anyone in; removing a helper
  (the senior's big Remove, or the helper's own "Stop helping") revokes it at once.
  A relative paired through a broker also has a public key (their app's X25519 key);
  revoking forgets it, so their sealed messages are ignored from then on.
- :class:`ChangeLog`: every change made from afar, with who, what, before and after,
  so it can be announced, shown to the family and undone.

Both tables live in ``remote.sqlite`` (WAL) in the profile folder. Nothing here uses Qt;
the clock is injectable so tests need not wait ten minutes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launcher.core.errors import LelingError
from launcher.core.report import WalDatabase

if TYPE_CHECKING:
    import sqlite3

#: How long a pairing code, and a relative's wait for the senior's answer, lasts.
CODE_LIFETIME_S = 10 * 60
#: Wrong codes in a row that lock pairing, and for how long.
MAX_WRONG_CODES = 5
LOCKOUT_S = 10 * 60
#: How often a helper's "last seen" time is written down.
SEEN_EVERY_S = 60
#: Longest helper name accepted.
MAX_NAME_LENGTH = 40

Clock = Callable[[], float]


class PairingError(LelingError):
    """A pairing attempt that cannot go on; ``reason`` is ``wrong-code``, ``locked``,
    ``no-code`` or ``expired``."""

    def __init__(self, message: str, reason: str, *, retry_after: int = 0, tries_left: int = 0):
        super().__init__(message)
        self.reason = reason
        self.retry_after = retry_after
        self.tries_left = tries_left


def _now_iso() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def clean_name(name: object) -> str:
    """A helper's name as given, trimmed; raises LelingError if empty or too long."""
    if not isinstance(name, str) or not name.strip():
        raise LelingError("name: a helper needs a name")
    text = " ".join(name.split())
    if len(text) > MAX_NAME_LENGTH:
        raise LelingError(f"name: at most {MAX_NAME_LENGTH} characters")
    return text


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS helpers ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,"
    " paired_at TEXT NOT NULL, last_seen TEXT, revoked_at TEXT,"
    " public_key TEXT, key_id TEXT)",
    "CREATE TABLE IF NOT EXISTS changes ("
    " id INTEGER PRIMARY KEY, at TEXT NOT NULL, helper_id TEXT, who TEXT NOT NULL,"
    " keys TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,"
    " undone_at TEXT, undone_by TEXT)",
)


@dataclass(frozen=True)
class Helper:
    id: str
    name: str
    paired_at: str
    last_seen: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "paired_at": self.paired_at,
            "last_seen": self.last_seen,
        }


def _add_key_columns(db: sqlite3.Connection) -> None:
    """Migration 1: books from before brokers get the helpers' public key and key id."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(helpers)")}
    for column in ("public_key", "key_id"):
        if column not in columns:
            db.execute(f"ALTER TABLE helpers ADD COLUMN {column} TEXT")
    db.execute("CREATE INDEX IF NOT EXISTS helpers_by_key ON helpers (key_id)")


#: Called with the helper and the public key they had (None without one) once revoked.
RevokeListener = Callable[[Helper, "bytes | None"], None]


class HelperBook:
    """The paired helpers of one profile, their tokens (hashed) and public keys."""

    def __init__(self, profile_dir: Path) -> None:
        self.db = WalDatabase(profile_dir / "remote.sqlite", _SCHEMA)
        self._lock = threading.Lock()
        self._noted: dict[str, float] = {}
        self._migrated = False
        self._revoke_listeners: list[RevokeListener] = []

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self.db.connect() as db:
            if not self._migrated:
                _add_key_columns(db)
                self._migrated = True
            yield db

    def add(self, name: str, public_key: bytes | None = None) -> tuple[Helper, str]:
        """Pair a new helper; returns them and their token (shown this once only). With
        ``public_key`` (paired through a broker), an earlier helper with the same key is
        replaced: one key, one person in the list."""
        helper = Helper(secrets.token_hex(6), clean_name(name), _now_iso())
        token = secrets.token_urlsafe(32)
        encoded = key_hex = None
        if public_key is not None:
            from launcher.core.e2e import b64url, key_id

            encoded, key_hex = b64url(public_key), key_id(public_key)
        with self._connect() as db:
            if key_hex is not None:
                db.execute(
                    "UPDATE helpers SET revoked_at = ?, public_key = NULL, key_id = NULL"
                    " WHERE key_id = ? AND revoked_at IS NULL",
                    (helper.paired_at, key_hex),
                )
            db.execute(
                "INSERT INTO helpers (id, name, token_hash, paired_at, public_key, key_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (helper.id, helper.name, hash_token(token), helper.paired_at, encoded, key_hex),
            )
        return helper, token

    def by_key_id(self, key_hex: str) -> tuple[Helper, bytes] | None:
        """The helper with this key id and their public key, unless revoked."""
        with self._connect() as db:
            row = db.execute(
                "SELECT id, name, paired_at, last_seen, public_key FROM helpers"
                " WHERE key_id = ? AND revoked_at IS NULL",
                (key_hex,),
            ).fetchone()
        if row is None:
            return None
        from launcher.core.e2e import from_b64url

        return Helper(*row[:4]), from_b64url(row[4], 32)

    def with_keys(self) -> list[tuple[Helper, bytes]]:
        """Everyone who can help through a broker, with their public key."""
        from launcher.core.e2e import from_b64url

        with self._connect() as db:
            rows = db.execute(
                "SELECT id, name, paired_at, last_seen, public_key FROM helpers"
                " WHERE revoked_at IS NULL AND public_key IS NOT NULL ORDER BY paired_at, rowid"
            ).fetchall()
        return [(Helper(*row[:4]), from_b64url(row[4], 32)) for row in rows]

    def seen(self, helper_id: str) -> None:
        """A helper was heard from another way than their token (through a broker)."""
        now = time.monotonic()
        with self._lock:
            if now - self._noted.get(helper_id, -SEEN_EVERY_S) < SEEN_EVERY_S:
                return
            self._noted[helper_id] = now
        with self._connect() as db:
            db.execute("UPDATE helpers SET last_seen = ? WHERE id = ?", (_now_iso(), helper_id))

    def add_revoke_listener(self, listener: RevokeListener) -> None:
        """``listener`` hears of every helper this book revokes (to tell them)."""
        self._revoke_listeners.append(listener)

    def check(self, token: str) -> Helper | None:
        """The helper whose token this is, unless it was revoked; notes when they were seen."""
        if not token:
            return None
        with self._connect() as db:
            row = db.execute(
                "SELECT id, name, paired_at, last_seen FROM helpers"
                " WHERE token_hash = ? AND revoked_at IS NULL",
                (hash_token(token),),
            ).fetchone()
            if row is None:
                return None
            seen = row[3]
            now = time.monotonic()
            # A phone polls every few seconds: "last seen" to the minute is enough, and
            # saves a disk write per request.
            with self._lock:
                due = now - self._noted.get(row[0], -SEEN_EVERY_S) >= SEEN_EVERY_S
                if due:
                    self._noted[row[0]] = now
            if due:
                seen = _now_iso()
                db.execute("UPDATE helpers SET last_seen = ? WHERE id = ?", (seen, row[0]))
        return Helper(row[0], row[1], row[2], seen)

    def helpers(self) -> list[Helper]:
        """Everyone who can help now, in the order they paired."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, name, paired_at, last_seen FROM helpers"
                " WHERE revoked_at IS NULL ORDER BY paired_at, rowid"
            ).fetchall()
        return [Helper(*row) for row in rows]

    def revoke(self, helper_id: str) -> bool:
        """Their token stops working at once and their public key is forgotten; False if
        there was no such helper."""
        with self._connect() as db:
            row = db.execute(
                "SELECT id, name, paired_at, last_seen, public_key FROM helpers"
                " WHERE id = ? AND revoked_at IS NULL",
                (helper_id,),
            ).fetchone()
            if row is None:
                return False
            db.execute(
                "UPDATE helpers SET revoked_at = ?, public_key = NULL, key_id = NULL WHERE id = ?",
                (_now_iso(), helper_id),
            )
        public_key = None
        if row[4] is not None:
            from launcher.core.e2e import from_b64url

            public_key = from_b64url(row[4], 32)
        for listener in list(self._revoke_listeners):
            listener(Helper(*row[:4]), public_key)
        return True


@dataclass
class PairingRequest:
    """A relative who gave the right code and waits for the senior's answer."""

    id: str
    claim_hash: str
    name: str
    asked_at: float
    status: str = "waiting"  # waiting, approved, declined, expired
    helper: Helper | None = None
    token: str | None = field(default=None, repr=False)
    #: The relative's public key when they pair through a broker.
    public_key: bytes | None = field(default=None, repr=False)


class PairingDesk:
    """Codes, wrong tries and the requests waiting for the senior. Thread-safe."""

    def __init__(self, book: HelperBook, clock: Clock = time.monotonic) -> None:
        self.book = book
        self.clock = clock
        self._lock = threading.Lock()
        self._code: str | None = None
        self._code_at = 0.0
        self._wrong = 0
        self._locked_until = 0.0
        self._requests: dict[str, PairingRequest] = {}
        self._listeners: list[Callable[[PairingRequest], None]] = []

    def add_listener(self, listener: Callable[[PairingRequest], None]) -> None:
        """``listener`` hears of every request the senior answered (a broker's relative
        is told the answer by message, not by asking for it)."""
        self._listeners.append(listener)

    def new_code(self) -> str:
        """A fresh code for the screen; the last one stops working."""
        with self._lock:
            self._code = f"{secrets.randbelow(1_000_000):06d}"
            self._code_at = self.clock()
            return self._code

    def code_left_s(self) -> int:
        """Seconds the current code still works (0 if there is none)."""
        with self._lock:
            if self._code is None:
                return 0
            return max(0, int(self._code_at + CODE_LIFETIME_S - self.clock()))

    def locked_for_s(self) -> int:
        with self._lock:
            return max(0, int(self._locked_until - self.clock() + 0.999))

    def cancel_code(self) -> None:
        with self._lock:
            self._code = None

    def ask(
        self, code: object, name: object, public_key: bytes | None = None
    ) -> tuple[PairingRequest, str]:
        """A relative gives ``code`` and their ``name`` (and, through a broker, their
        public key). Returns the request and its claim (the secret with which only they
        can collect the token)."""
        helper_name = clean_name(name)
        with self._lock:
            now = self.clock()
            if now < self._locked_until:
                raise PairingError(
                    "pairing is locked after too many wrong codes",
                    "locked",
                    retry_after=int(self._locked_until - now + 0.999),
                )
            if self._code is None or now > self._code_at + CODE_LIFETIME_S:
                self._code = None
                # Guessing with no code on screen still counts towards the lock.
                self._wrong_try(now)
                raise PairingError(
                    "no pairing code is showing on the screen now",
                    "no-code",
                    tries_left=max(0, MAX_WRONG_CODES - self._wrong),
                )
            if not isinstance(code, str) or not secrets.compare_digest(code, self._code):
                self._wrong_try(now)
                if now < self._locked_until:
                    raise PairingError(
                        "pairing is locked after too many wrong codes",
                        "locked",
                        retry_after=LOCKOUT_S,
                    )
                raise PairingError(
                    "that is not the code on the screen",
                    "wrong-code",
                    tries_left=MAX_WRONG_CODES - self._wrong,
                )
            # The right code: one use only.
            self._code = None
            self._wrong = 0
            claim = secrets.token_urlsafe(24)
            request = PairingRequest(
                secrets.token_hex(8), hash_token(claim), helper_name, now, public_key=public_key
            )
            self._requests[request.id] = request
            return request, claim

    def _wrong_try(self, now: float) -> None:
        self._wrong += 1
        if self._wrong >= MAX_WRONG_CODES:
            self._locked_until = now + LOCKOUT_S
            self._wrong = 0
            self._code = None

    def decide(self, request_id: str, allow: bool) -> PairingRequest | None:
        """The senior's answer. Yes pairs the helper and keeps their token for collection."""
        with self._lock:
            request = self._requests.get(request_id)
            if request is None or request.status != "waiting":
                return request
            if self.clock() > request.asked_at + CODE_LIFETIME_S:
                request.status = "expired"
            elif not allow:
                request.status = "declined"
        if request.status == "waiting":
            helper, token = self.book.add(request.name, request.public_key)
            with self._lock:
                request.status, request.helper, request.token = "approved", helper, token
        for listener in list(self._listeners):
            listener(request)
        return request

    def collect(self, request_id: str, claim: str) -> PairingRequest | None:
        """The request, for the relative holding its claim; the token is handed out once."""
        with self._lock:
            request = self._requests.get(request_id)
            if request is None or not secrets.compare_digest(request.claim_hash, hash_token(claim)):
                return None
            if request.status == "waiting" and self.clock() > request.asked_at + CODE_LIFETIME_S:
                request.status = "expired"
            collected = PairingRequest(**request.__dict__)
            request.token = None
            if request.status != "waiting":
                self._requests.pop(request_id, None)
            return collected

    def waiting(self) -> list[PairingRequest]:
        with self._lock:
            return [r for r in self._requests.values() if r.status == "waiting"]


@dataclass(frozen=True)
class Change:
    id: int
    at: str
    who: str
    helper_id: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    undone: bool

    @property
    def keys(self) -> list[str]:
        return list(self.after)


class ChangeLog:
    """Changes to the settings made from afar, newest last."""

    def __init__(self, profile_dir: Path) -> None:
        self.db = WalDatabase(profile_dir / "remote.sqlite", _SCHEMA)

    def add(
        self, who: str, helper_id: str | None, before: dict[str, Any], after: dict[str, Any]
    ) -> Change:
        at = _now_iso()
        with self.db.connect() as db:
            cursor = db.execute(
                "INSERT INTO changes (at, helper_id, who, keys, before, after)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    at,
                    helper_id,
                    who,
                    json.dumps(list(after)),
                    json.dumps(before, ensure_ascii=False),
                    json.dumps(after, ensure_ascii=False),
                ),
            )
        assert cursor.lastrowid is not None
        return Change(cursor.lastrowid, at, who, helper_id, before, after, False)

    def get(self, change_id: int) -> Change | None:
        with self.db.connect() as db:
            row = db.execute(
                "SELECT id, at, who, helper_id, before, after, undone_at FROM changes WHERE id = ?",
                (change_id,),
            ).fetchone()
        return self._change(row) if row else None

    def recent(self, limit: int = 50) -> list[Change]:
        """The latest changes, newest first."""
        with self.db.connect() as db:
            rows = db.execute(
                "SELECT id, at, who, helper_id, before, after, undone_at FROM changes"
                " ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [self._change(row) for row in rows]

    def mark_undone(self, change_id: int, by: str) -> None:
        with self.db.connect() as db:
            db.execute(
                "UPDATE changes SET undone_at = ?, undone_by = ? WHERE id = ?",
                (_now_iso(), by, change_id),
            )

    @staticmethod
    def _change(row: tuple[Any, ...]) -> Change:
        return Change(
            id=int(row[0]),
            at=str(row[1]),
            who=str(row[2]),
            helper_id=row[3],
            before=json.loads(row[4]),
            after=json.loads(row[5]),
            undone=row[6] is not None,
        )
