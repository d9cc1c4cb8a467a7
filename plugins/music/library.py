"""What there is to play: the family's ``items`` setting (radio stations and uploaded
songs, in their order) and the audio files they uploaded, kept in ``audio/`` with their
names in ``tracks.json``. Nothing here draws, so all of it is checked without a screen."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from launcher.api import write_file

#: Largest audio file taken: an hour of music at 128 kbit/s, a long opera act.
MAX_TRACK_BYTES = 64 * 1024 * 1024
#: Largest piece of a file in one message: remote help takes JSON bodies up to 256 KiB,
#: and base64 makes every 3 bytes 4.
MAX_PART_BYTES = 180 * 1024
MAX_TRACKS = 200
MAX_NAME = 60
MAX_URL = 400
#: A file whose upload stopped half-way is let go of after this long.
UPLOAD_KEEP_SECONDS = 24 * 3600
#: How many of an upload's latest piece starts keep the hash as it was there, so that a
#: piece sent again (its answer was lost) is hashed again without reading anything back.
MARKS_KEPT = 4
#: What a worker reads of a part file at a time when it hashes it again.
REHASH_CHUNK = 1024 * 1024
FILE_PATTERN = re.compile(r"^[0-9a-f]{16}\.(mp3|ogg|wav|flac|m4a)$")
UPLOAD_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
STREAM_PATTERN = re.compile(r"^https?://\S+$", re.IGNORECASE)
#: Brands of MP4 files that carry audio (AAC in ``.m4a``, audio books in ``.m4b``).
M4A_BRANDS = (b"M4A ", b"M4B ", b"mp41", b"mp42", b"isom", b"iso2", b"dash")


def audio_kind(head: bytes) -> str | None:
    """The file type from its first bytes (``mp3``, ``ogg``, ``wav``, ``flac``, ``m4a``),
    or None when it is none of them, whatever its name says."""
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"fLaC"):
        return "flac"
    if head[4:8] == b"ftyp" and head[8:12] in M4A_BRANDS:
        return "m4a"
    return None


@dataclass
class Track:
    """An uploaded audio file."""

    #: The stored file, ``<hash>.<kind>`` in ``audio/``.
    file: str
    name: str
    sender: str = ""
    added: str = ""
    size: int = 0


class UploadError(ValueError):
    """An upload is refused: ``key`` names the message to show, ``values`` fill it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class Runner(Protocol):
    """``PluginContext.run_in_background``: ``work()`` on a worker thread, then
    ``then(result)`` (or ``failed(error)``) on the UI thread."""

    def __call__(
        self,
        work: Callable[[], Any],
        then: Callable[[Any], None],
        *,
        failed: Callable[[Exception], None] | None = None,
    ) -> None: ...


def run_now(
    work: Callable[[], Any],
    then: Callable[[Any], None],
    *,
    failed: Callable[[Exception], None] | None = None,
) -> None:
    """A :class:`Runner` without threads, for a library used from a script."""
    try:
        result = work()
    except Exception as exc:
        if failed is None:
            raise
        failed(exc)
        return
    then(result)


@dataclass(frozen=True)
class Arrived:
    """The whole of an upload is in its part file: the first bytes (to tell its kind),
    the SHA-256 of all of it, and its size."""

    part: Path
    head: bytes
    digest: str
    size: int


@dataclass
class PartialUpload:
    """What is known of one part file while Leling runs: the SHA-256 of its first
    ``hashed`` bytes, taken from each piece as it is written, so that the last piece
    needs nothing read back.

    Python's SHA-256 cannot hand out its state to be kept on disk, so after a restart
    (or when a piece is sent again from further back than ``marks`` reach) a worker
    thread reads the part again; ``digest`` is None while it does, and pieces after
    the ones it reads are written meanwhile and hashed when it is through."""

    #: Bytes in the part file.
    end: int
    #: The hash of the part's first ``hashed`` bytes; None while a worker hashes.
    digest: Any | None
    hashed: int = 0
    #: The hash as it was where each of the latest pieces started.
    marks: dict[int, Any] = field(default_factory=dict)
    #: The worker's number and where it stops, while one is hashing.
    job: int = 0
    job_stop: int = 0


def _hashed_part(part: Path, digest: Any, start: int, stop: int) -> Any:
    """``digest`` updated with bytes ``start`` to ``stop`` of ``part`` (on a worker)."""
    with open(part, "rb") as handle:
        handle.seek(start)
        left = stop - start
        while left:
            chunk = handle.read(min(left, REHASH_CHUNK))
            if not chunk:
                raise OSError(f"uploads/{part.name} is shorter than {stop} bytes")
            digest.update(chunk)
            left -= len(chunk)
    return digest


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` survive a power cut (where the system allows it)."""
    if hasattr(os, "O_DIRECTORY"):
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


class Library:
    """The uploaded tracks, newest last, and uploads arriving in pieces.

    A file the index does not know (the index was lost) is taken in under its file name;
    an index entry whose file is gone is dropped and named for the helper.
    """

    def __init__(
        self,
        data_dir: Path,
        tell_helper: Callable[[str], None],
        run_in_background: Runner = run_now,
    ) -> None:
        self.folder = data_dir / "audio"
        self.uploads = data_dir / "uploads"
        self.index = data_dir / "tracks.json"
        self._tell_helper = tell_helper
        self._run_in_background = run_in_background
        self._partial: dict[str, PartialUpload] = {}
        self._jobs = 0
        self.folder.mkdir(parents=True, exist_ok=True)

    def tracks(self) -> list[Track]:
        known: list[Track] = []
        if self.index.exists():
            try:
                data = json.loads(self.index.read_text(encoding="utf-8"))
                known = [
                    Track(**{k: v for k, v in item.items() if k in Track.__dataclass_fields__})
                    for item in data["tracks"]
                ]
            except (OSError, ValueError, KeyError, TypeError):
                kept = self.index.with_name(f"tracks.json.unreadable-{int(time.time())}")
                os.replace(self.index, kept)
                self._tell_helper(
                    f"music/tracks.json cannot be read; it was kept as {kept.name} and the "
                    "songs were taken from the audio files (their names may be missing)"
                )
        present = {path.name for path in self.folder.iterdir() if FILE_PATTERN.match(path.name)}
        tracks = [t for t in known if FILE_PATTERN.match(t.file) and t.file in present]
        for gone in sorted({t.file for t in known} - present):
            self._tell_helper(f"music: the song file audio/{gone} is missing; send it again")
        listed = {t.file for t in tracks}
        for name in sorted(present - listed):
            tracks.append(Track(name, name, size=(self.folder / name).stat().st_size))
        return tracks

    def path(self, file: str) -> Path:
        return self.folder / file

    def save(self, tracks: list[Track]) -> None:
        data = {"version": 1, "tracks": [asdict(track) for track in tracks]}
        write_file(self.index, json.dumps(data, ensure_ascii=False, indent=1).encode())

    def add(self, data: bytes, kind: str, name: str, sender: str) -> Track:
        """Keep a checked file; the same file sent again keeps its first entry, renamed."""
        file = hashlib.sha256(data).hexdigest()[:16] + "." + kind
        return self._keep(file, len(data), name, sender, lambda: write_file(self.path(file), data))

    def add_arrived(self, arrived: Arrived, kind: str, name: str, sender: str) -> Track:
        """Keep an upload whose last piece is in, by renaming its part file: nothing of
        it is read or copied (see :meth:`add`)."""
        file = arrived.digest[:16] + "." + kind

        def move() -> None:
            os.replace(arrived.part, self.path(file))
            _sync_folder(self.folder)

        try:
            return self._keep(file, arrived.size, name, sender, move)
        finally:
            arrived.part.unlink(missing_ok=True)

    def _keep(
        self, file: str, size: int, name: str, sender: str, store: Callable[[], None]
    ) -> Track:
        tracks = self.tracks()
        same = next((t for t in tracks if t.file == file), None)
        if same is None and len(tracks) >= MAX_TRACKS:
            raise UploadError("error.full", count=MAX_TRACKS)
        if not self.path(file).is_file():
            store()
        if same is not None:
            same.name = name
            self.save(tracks)
            return same
        track = Track(file, name, sender, datetime.now().isoformat(timespec="seconds"), size)
        self.save([*tracks, track])
        return track

    def remove(self, file: str) -> bool:
        tracks = self.tracks()
        kept = [t for t in tracks if t.file != file]
        if len(kept) == len(tracks):
            return False
        self.save(kept)
        self.path(file).unlink(missing_ok=True)
        return True

    # -- uploads in pieces -------------------------------------------------------------

    def receive_part(
        self, upload: str, offset: int, size: int, data: bytes
    ) -> tuple[Arrived | None, int]:
        """Add one piece of upload ``upload`` (``size`` bytes in all) at ``offset``: the
        whole file once its last piece is in (else None), and how many bytes have
        arrived. A piece sent again (its answer was lost) is taken again; a piece beyond
        a gap is not, and the count says where to go on from.

        Each piece is hashed as it is written, so the last one costs no more than the
        others. When the hash of what came before is not known here (Leling started
        again since), a worker reads the part again and pieces go on arriving; only the
        last piece is not taken until it is through: the count then names that piece's
        own offset, and the phone sends it again.
        """
        self.uploads.mkdir(parents=True, exist_ok=True)
        part = self._part(upload)
        have = part.stat().st_size if part.exists() else 0
        if offset == 0:
            have = 0
        elif offset > have:
            return None, have
        if offset + len(data) > size:
            self._partial.pop(upload, None)
            part.unlink(missing_ok=True)
            raise UploadError("error.size.mismatch", field="size", value=size)
        state = self._partial.get(upload)
        if offset == 0:
            state = self._partial[upload] = PartialUpload(end=0, digest=hashlib.sha256())
        elif state is None or state.end != have or not self._goes_on(state, offset):
            # What came before is hashed again from the part, without what lies beyond.
            os.truncate(part, offset)
            state = self._partial[upload] = PartialUpload(end=offset, digest=None)
            self._rehash(upload, state, hashlib.sha256(), 0)
        digest = state.digest
        last = offset + len(data) == size
        if last and digest is None:
            return None, offset
        self._write(part, offset, data)
        state.end = offset + len(data)
        if digest is not None:
            state.marks[offset] = digest.copy()
            for old in sorted(state.marks)[:-MARKS_KEPT]:
                del state.marks[old]
            digest.update(data)
            state.hashed = state.end
        if not last:
            return None, state.end
        assert digest is not None  # the last piece waits for the worker (above)
        del self._partial[upload]
        with open(part, "rb") as handle:
            head = handle.read(16)
        return Arrived(part, head, digest.hexdigest(), size), size

    def _part(self, upload: str) -> Path:
        return self.uploads / f"{upload}.part"

    @staticmethod
    def _goes_on(state: PartialUpload, offset: int) -> bool:
        """Whether a piece at ``offset`` can be hashed with what is known: it follows
        the pieces hashed so far, or it starts where a recent piece did (sent again, its
        answer lost: the hash goes back to that mark), or a worker is hashing what lies
        before it."""
        if state.digest is None:
            return offset >= state.job_stop
        if offset == state.hashed:
            return True
        mark = state.marks.get(offset)
        if mark is None:
            return False
        state.digest, state.hashed = mark, offset
        state.marks = {start: kept for start, kept in state.marks.items() if start < offset}
        return True

    @staticmethod
    def _write(part: Path, offset: int, data: bytes) -> None:
        # Each piece goes to the disk at once: the rename at the end then has nothing
        # left to wait for, and a power cut loses no piece the phone was told is in.
        with open(part, "r+b" if offset else "wb") as handle:
            handle.seek(offset)
            handle.write(data)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())

    def _rehash(self, upload: str, state: PartialUpload, digest: Any, start: int) -> None:
        """Hash bytes ``start`` to ``state.end`` of the part on a worker, after ``digest``
        (which the worker has to itself until then)."""
        self._jobs += 1
        number = self._jobs
        state.digest, state.job, state.job_stop = None, number, state.end
        part, stop = self._part(upload), state.end

        def done(result: Any) -> None:
            if self._partial.get(upload) is not state or state.job != number:
                return  # started again, or let go of, meanwhile
            state.job = 0
            if state.end > stop:  # pieces came in meanwhile
                self._rehash(upload, state, result, stop)
            else:
                state.digest, state.hashed = result, stop

        def failed(error: Exception) -> None:
            if self._partial.get(upload) is not state or state.job != number:
                return
            del self._partial[upload]
            part.unlink(missing_ok=True)
            self._tell_helper(
                f"music: a song half-way through its upload could not be read back "
                f"(uploads/{part.name}: {error}); it is being sent again from the start"
            )

        self._run_in_background(
            lambda: _hashed_part(part, digest, start, stop), done, failed=failed
        )

    def forget_stale_uploads(self) -> None:
        if not self.uploads.is_dir():
            return
        for part in self.uploads.glob("*.part"):
            if time.time() - part.stat().st_mtime > UPLOAD_KEEP_SECONDS:
                part.unlink(missing_ok=True)
                self._partial.pop(part.stem, None)


# -- what the senior can choose ---------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One thing to play: a radio station (``stream``) or an uploaded song (``track``)."""

    name: str
    #: The stream's address, or the stored file's name in ``audio/``.
    source: str
    kind: str

    @property
    def is_station(self) -> bool:
        return self.kind == "stream"


def parse_items(entries: Sequence[str], tracks: Sequence[Track]) -> tuple[list[Item], list[str]]:
    """What to offer: the ``items`` setting in its order, then every uploaded song it does
    not name; and one sentence per entry that is wrong, for the helper report.

    An entry is ``Name | https://stream-address``, ``Name | song`` or just ``song``, where
    a song is an uploaded file's stored name or the name it was uploaded under; entries
    starting with ``#`` are set aside.
    """
    items: list[Item] = []
    problems: list[str] = []
    named: set[str] = set()
    by_name = {t.name.casefold(): t for t in tracks}
    by_file = {t.file: t for t in tracks}
    for number, entry in enumerate(entries, start=1):
        if not entry.strip() or entry.lstrip().startswith("#"):
            continue
        where = f"music setting 'items', item {number} ({entry.strip()[:40]!r})"
        parts = [part.strip() for part in entry.split("|")]
        if len(parts) > 2 or not all(parts):
            problems.append(f"{where}: write it as 'Name | https://stream-address' or a song")
            continue
        name, source = (parts[0], parts[-1])
        if len(name) > MAX_NAME:
            problems.append(f"{where}: the name is longer than {MAX_NAME} characters")
            continue
        if STREAM_PATTERN.match(source):
            if len(parts) == 1:
                problems.append(f"{where}: give the station a name: 'Name | {source}'")
                continue
            if len(source) > MAX_URL:
                problems.append(f"{where}: the address is longer than {MAX_URL} characters")
                continue
            items.append(Item(name, source, "stream"))
            continue
        track = by_file.get(source) or by_name.get(source.casefold())
        if track is None:
            problems.append(
                f"{where}: no uploaded song is called {source!r}, and it is not an "
                "http(s) address; upload it in remote help or correct the name"
            )
            continue
        named.add(track.file)
        items.append(Item(name if len(parts) == 2 else track.name, track.file, "track"))
    items.extend(Item(t.name, t.file, "track") for t in tracks if t.file not in named)
    return items, problems


@dataclass(frozen=True)
class VolumeRange:
    """The family's safe loudness, in percent: the senior can never go outside it."""

    low: int
    high: int

    def clamp(self, volume: int) -> int:
        return max(self.low, min(self.high, volume))


def volume_range(config: Any, tell_helper: Callable[[str], None]) -> VolumeRange:
    """The range from ``volume_min`` and ``volume_max``; given the wrong way round, the
    two are swapped (and the helper told), so the range still holds what they meant."""
    low, high = int(config.get("volume_min", 10)), int(config.get("volume_max", 80))
    if low > high:
        tell_helper(
            f"music settings: volume_min ({low}) is above volume_max ({high}); "
            "they were used the other way round"
        )
        low, high = high, low
    return VolumeRange(low, high)
