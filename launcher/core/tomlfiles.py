"""Reading TOML files (plugin manifests, themes), parsed once and kept as JSON.

Every start reads the manifest of each installed plugin and the chosen theme. ``tomllib``
parses in pure Python: those files, and importing it, are a noticeable part of the time
the senior waits for the home screen, while JSON is parsed in C. So an instance keeps
what it parsed in one JSON file, and a file whose bytes have not changed (same size and
CRC-32) is not parsed again. Anything that goes wrong with the cache itself (missing,
damaged, read-only folder) only means parsing again: it never changes what is read.
"""

from __future__ import annotations

import json
import logging
import os
import zlib
from pathlib import Path
from typing import Any

log = logging.getLogger("leling.core")

#: Bump when the layout of the cache file changes; an older file is then ignored.
CACHE_FORMAT = 1


class TomlError(ValueError):
    """A file is not valid TOML. The message is the parser's, naming line and column."""


def parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML text; a mistake in it raises :class:`TomlError`."""
    import tomllib  # only when a file is not in the cache

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlError(str(exc)) from exc


class ParsedTomlCache:
    """What the TOML files of one instance held when they were last parsed.

    Entries are keyed by the file's path and hold its size, its CRC-32 and the parsed
    document as JSON text (so each read gives the caller a fresh copy to keep). A
    document holding TOML dates or times is not kept: JSON has no such type.
    """

    def __init__(self, file: Path) -> None:
        self.file = file
        self._entries: dict[str, dict[str, Any]] | None = None
        self._changed = False

    def _loaded(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = {}
            try:
                stored = json.loads(self.file.read_text(encoding="utf-8"))
            except FileNotFoundError:
                return self._entries
            except (OSError, ValueError, RecursionError) as exc:
                log.info("%s: parsed TOML cache not used (%s)", self.file, exc)
                return self._entries
            if isinstance(stored, dict) and stored.get("format") == CACHE_FORMAT:
                entries = stored.get("files")
                if isinstance(entries, dict):
                    self._entries = {
                        str(name): entry for name, entry in entries.items() if _valid(entry)
                    }
        return self._entries

    def read(self, path: Path) -> dict[str, Any]:
        """The document in ``path``. Raises OSError, UnicodeDecodeError or TomlError as
        reading and parsing the file would."""
        raw = path.read_bytes()
        key = str(path)
        checksum = zlib.crc32(raw)
        entries = self._loaded()
        entry = entries.get(key)
        if entry is not None and entry["size"] == len(raw) and entry["crc32"] == checksum:
            try:
                kept = json.loads(entry["json"])
            except (ValueError, RecursionError):
                kept = None
            if isinstance(kept, dict):
                return kept
            # A damaged entry: the file is parsed again.
        # As Path.read_text does: universal newlines.
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        document = parse_toml(text)
        try:
            as_json = json.dumps(document, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return document  # dates or non-finite numbers: parsed every time
        entries[key] = {"size": len(raw), "crc32": checksum, "json": as_json}
        self._changed = True
        return document

    def save(self) -> None:
        """Write the cache if something new was parsed, dropping files that are gone."""
        if not self._changed or self._entries is None:
            return
        from launcher.core.settings import atomic_write_text

        # os.path.isfile: a file that cannot even be looked at (no permission, a damaged
        # name) is simply not kept, never an error.
        kept = {name: entry for name, entry in self._entries.items() if os.path.isfile(name)}
        try:
            atomic_write_text(
                self.file, json.dumps({"format": CACHE_FORMAT, "files": kept}, ensure_ascii=False)
            )
        except OSError as exc:
            log.info("%s: parsed TOML cache not written (%s)", self.file, exc)
            return
        self._changed = False


def _valid(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("size"), int)
        and isinstance(entry.get("crc32"), int)
        and isinstance(entry.get("json"), str)
    )


def read_toml(path: Path, cache: ParsedTomlCache | None = None) -> dict[str, Any]:
    """The TOML document in ``path``, from ``cache`` when the file is unchanged.

    Raises OSError (cannot read), UnicodeDecodeError (not UTF-8) or TomlError.
    """
    if cache is None:
        return parse_toml(path.read_text(encoding="utf-8"))
    return cache.read(path)
