"""The profile settings file: validated, versioned, written atomically, undoable.

``settings.json`` holds ``{"version": N, "settings": {...}}``. Every save also lands in
``revisions/`` (the last :data:`KEEP_REVISIONS` are kept), so any change can be undone
and a damaged file can be replaced by the last good one.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launcher.core.errors import LelingError
from launcher.core.migrations import SETTINGS_VERSION, migrate
from launcher.core.schema import (
    SETTINGS_SCHEMA,
    SchemaError,
    find_field,
    get_path,
    set_path,
    validate,
    validate_leniently,
    validate_object,
)

KEEP_REVISIONS = 50
SETTINGS_FILE = "settings.json"


def atomic_write_text(path: Path, text: str) -> None:
    """Write a text file (UTF-8) as :func:`atomic_write_bytes` does."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that a crash leaves either the old or the new content, never half.

    The data goes to a temporary file in the same folder, is flushed to disk, and then
    replaces the target in one rename; the folder is synced so the rename survives too.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    if hasattr(os, "O_DIRECTORY"):
        directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _timestamp() -> str:
    return dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")


def read_document(path: Path) -> dict[str, Any]:
    """Parse a settings document; errors name the file and what is wrong."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LelingError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise LelingError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise LelingError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(document, dict):
        raise LelingError(f"{path}: expected an object with 'version' and 'settings'")
    if "settings" not in document or not isinstance(document["settings"], dict):
        raise LelingError(f"{path}: field 'settings' is missing or not an object")
    return document


def check_document(document: dict[str, Any], source: str) -> dict[str, Any]:
    """Migrate and strictly validate a whole document; return the settings tree."""
    current, _ = migrate(document, source)
    try:
        return validate_object(SETTINGS_SCHEMA, current["settings"], "")
    except SchemaError as exc:
        raise LelingError(f"{source}: {exc}") from exc


@dataclass(frozen=True)
class Revision:
    number: int
    path: Path
    at: str
    reason: str


@dataclass
class LoadResult:
    settings: dict[str, Any]
    #: Sentences for the helper report: repairs made while loading.
    problems: list[str] = field(default_factory=list)
    created: bool = False


class SettingsStore:
    """Reads and writes one profile's settings."""

    def __init__(self, profile_dir: Path) -> None:
        self.profile_dir = profile_dir
        self.path = profile_dir / SETTINGS_FILE
        self.revisions_dir = profile_dir / "revisions"
        self._settings: dict[str, Any] | None = None
        self._listeners: list[Callable[[dict[str, Any], str], None]] = []

    # -- reading ---------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists() or bool(self.revisions())

    def load(self) -> LoadResult:
        """Load the settings, repairing what can be repaired.

        A corrupt, truncated or newer-version file is moved aside (nothing is deleted)
        and the newest revision that reads cleanly takes its place.
        """
        problems: list[str] = []
        if not self.path.exists():
            if not self.revisions():
                self._settings = validate_object(SETTINGS_SCHEMA, {}, "")
                return LoadResult(copy.deepcopy(self._settings), created=True)
            problems.append(f"{self.path}: missing; restoring the last saved revision")
            settings = self._recover(problems)
            return LoadResult(settings, problems)
        try:
            document = read_document(self.path)
            current, passed = migrate(document, str(self.path))
        except LelingError as exc:
            aside = self.path.with_name(f"{SETTINGS_FILE}.bad-{_timestamp()}")
            os.replace(self.path, aside)
            problems.append(f"{exc}. The file was kept as {aside.name}.")
            settings = self._recover(problems)
            return LoadResult(settings, problems)
        settings, repairs = validate_leniently(SETTINGS_SCHEMA, current["settings"])
        problems.extend(f"{self.path}: {repair}" for repair in repairs)
        self._settings = settings
        if passed:
            self.save(settings, f"migrated from settings version {passed[0]}")
            problems.append(
                f"{self.path}: carried forward from settings version {passed[0]} "
                f"to {SETTINGS_VERSION}"
            )
        return LoadResult(copy.deepcopy(settings), problems)

    def _recover(self, problems: list[str]) -> dict[str, Any]:
        for revision in reversed(self.revisions()):
            try:
                document = json.loads(revision.path.read_text(encoding="utf-8"))["document"]
                settings = check_document(document, str(revision.path))
            except (LelingError, ValueError, KeyError, TypeError, OSError):
                continue
            self._settings = settings
            self._write_current(settings)
            problems.append(f"Started with the settings saved at {revision.at}.")
            return copy.deepcopy(settings)
        problems.append("No good saved settings were found; started with the defaults.")
        self._settings = validate_object(SETTINGS_SCHEMA, {}, "")
        self.save(self._settings, "defaults after a damaged settings file")
        return copy.deepcopy(self._settings)

    @property
    def settings(self) -> dict[str, Any]:
        if self._settings is None:
            self.load()
        assert self._settings is not None
        return self._settings

    def get(self, key: str) -> Any:
        return copy.deepcopy(get_path(self.settings, key))

    # -- writing ---------------------------------------------------------------------

    def add_listener(self, listener: Callable[[dict[str, Any], str], None]) -> None:
        """Call ``listener(settings, reason)`` after every save."""
        self._listeners.append(listener)

    def with_value(self, key: str, value: Any) -> dict[str, Any]:
        """A copy of the settings with one dotted key changed and validated; nothing is saved."""
        spec = find_field(SETTINGS_SCHEMA, key)
        if spec.kind != "any":
            value = validate(spec, value, key)
        updated = copy.deepcopy(self.settings)
        set_path(updated, key, value)
        return updated

    def set(self, key: str, value: Any, reason: str = "") -> dict[str, Any]:
        """Validate one dotted key and save; the file is untouched if the value is bad."""
        updated = self.with_value(key, value)
        self.save(updated, reason or f"set {key}")
        return updated

    def save(self, settings: dict[str, Any], reason: str) -> None:
        """Validate the whole tree, then write it and keep it as a revision."""
        clean = validate_object(SETTINGS_SCHEMA, settings, "")
        self._write_current(clean)
        self._add_revision(clean, reason)
        self._settings = clean
        for listener in list(self._listeners):
            listener(copy.deepcopy(clean), reason)

    def _write_current(self, settings: dict[str, Any]) -> None:
        document = {"version": SETTINGS_VERSION, "settings": settings}
        atomic_write_text(self.path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")

    def _add_revision(self, settings: dict[str, Any], reason: str) -> None:
        existing = self.revisions()
        number = existing[-1].number + 1 if existing else 1
        at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        record = {
            "at": at,
            "reason": reason,
            "document": {"version": SETTINGS_VERSION, "settings": settings},
        }
        atomic_write_text(
            self.revisions_dir / f"{number:08d}.json",
            json.dumps(record, ensure_ascii=False, indent=1) + "\n",
        )
        for old in existing[: max(0, len(existing) + 1 - KEEP_REVISIONS)]:
            old.path.unlink(missing_ok=True)

    def revisions(self) -> list[Revision]:
        """Saved revisions, oldest first."""
        if not self.revisions_dir.is_dir():
            return []
        found: list[Revision] = []
        for path in sorted(self.revisions_dir.glob("*.json")):
            if not path.stem.isdigit():
                continue
            at, reason = "", ""
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                at, reason = str(record.get("at", "")), str(record.get("reason", ""))
            except (ValueError, OSError, AttributeError):
                reason = "(unreadable)"
            found.append(Revision(int(path.stem), path, at, reason))
        return found

    def undo(self, steps: int = 1) -> Revision:
        """Go back ``steps`` saves. The undo is itself saved, so it can be undone too."""
        if steps < 1:
            raise LelingError(f"undo: the number of steps must be 1 or more, got {steps}")
        history = self.revisions()
        if len(history) <= steps:
            raise LelingError(f"undo: only {max(0, len(history) - 1)} earlier change(s) are kept")
        target = history[-1 - steps]
        document = json.loads(target.path.read_text(encoding="utf-8"))["document"]
        settings = check_document(document, str(target.path))
        self.save(settings, f"undo to the settings of {target.at}")
        return target
