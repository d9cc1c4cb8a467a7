"""The visitors of a shared machine: their profiles, picture PINs, and guest sessions.

One Leling home keeps each visitor's state in ``profiles/<name>/``. A guest gets a fresh
folder under ``guest-sessions/``; it is wiped when the session ends, and whatever a crash
left there is wiped at the next start, so nothing of a guest outlives the session.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from launcher.core.errors import UsageError
from launcher.core.i18n import SUPPORTED_LOCALES, Translator, core_locales_dir, default_locale
from launcher.core.instance import (
    DEFAULT_THEME,
    Instance,
    Overrides,
    check_overrides,
    open_instance,
    setup_logging,
)
from launcher.core.paths import PROFILE_NAME_PATTERN, LelingPaths, builtin_dir, resolve_paths
from launcher.core.schema import default_settings
from launcher.core.settings import SETTINGS_FILE, atomic_write_text
from launcher.core.site import SiteConfig, SiteError, load_site
from launcher.core.theme import Theme, ThemeError, load_theme, theme_paths
from launcher.core.tomlfiles import ParsedTomlCache

#: Where guests' folders live, beside ``profiles/`` (never listed as profiles).
GUEST_DIR = "guest-sessions"
#: Wrong PINs in a row and the end of a lockout, kept across restarts.
PIN_TRIES_FILE = "pin-tries.json"
#: A profile's picture PIN, salted and hashed; never the digits themselves.
PIN_FILE = "pin.json"
PIN_PATTERN = re.compile(r"^[0-9]{4}$")
PIN_ROUNDS = 100_000

#: After this many wrong PINs in a row the profile waits :data:`LOCKOUT_SECONDS`.
MAX_WRONG_PINS = 5
LOCKOUT_SECONDS = 60


@dataclass(frozen=True)
class VisitorProfile:
    """One tile of the start screen."""

    name: str
    folder: Path
    #: The senior's name from their settings, else the profile's name.
    shown_name: str
    #: A picture file inside the profile (``senior.photo``), if there is one.
    photo: Path | None
    has_pin: bool


def list_profiles(paths: LelingPaths) -> list[VisitorProfile]:
    """Every profile of the home, sorted by name. A profile with unreadable settings is
    still listed (under its folder name): its owner must be able to reach the shell, which
    repairs it."""
    found: list[VisitorProfile] = []
    if not paths.profiles_dir.is_dir():
        return found
    for folder in sorted(paths.profiles_dir.iterdir()):
        if not folder.is_dir() or not PROFILE_NAME_PATTERN.match(folder.name):
            continue
        settings = _read_settings(folder)
        senior = settings.get("senior") if isinstance(settings.get("senior"), dict) else {}
        assert isinstance(senior, dict)
        shown = str(senior.get("name") or "").strip() or folder.name
        photo_name = str(senior.get("photo") or "")
        photo = _inside(folder, photo_name) if photo_name else None
        found.append(
            VisitorProfile(folder.name, folder, shown, photo, (folder / PIN_FILE).is_file())
        )
    return found


def _read_settings(folder: Path) -> dict[str, Any]:
    try:
        document = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    settings = document.get("settings", document) if isinstance(document, dict) else {}
    return settings if isinstance(settings, dict) else {}


def _inside(folder: Path, relative: str) -> Path | None:
    """``relative`` inside ``folder``, or None if it leads out or is not a file."""
    candidate = (folder / relative).resolve()
    if not candidate.is_relative_to(folder.resolve()) or not candidate.is_file():
        return None
    return candidate


def check_pin(pin: str) -> str:
    if not PIN_PATTERN.match(pin):
        raise UsageError(f"--pin {pin!r}: a picture PIN is exactly 4 digits, like 1234")
    return pin


def _digest(pin: str, salt: bytes) -> str:
    # hashlib, hmac and secrets are imported where a PIN or a guest folder is made or
    # checked: OpenSSL's hashes alone are a noticeable part of the senior's start-up.
    import hashlib

    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, PIN_ROUNDS).hex()


def set_pin(folder: Path, pin: str | None) -> None:
    """Give the profile in ``folder`` a picture PIN (None takes it away)."""
    target = folder / PIN_FILE
    if pin is None:
        target.unlink(missing_ok=True)
        return
    import secrets

    salt = secrets.token_bytes(16)
    document = {"salt": salt.hex(), "rounds": PIN_ROUNDS, "hash": _digest(check_pin(pin), salt)}
    atomic_write_text(target, json.dumps(document) + "\n")


def pin_matches(folder: Path, entered: str) -> bool:
    """Whether ``entered`` is the profile's PIN; a profile without a PIN needs none. A
    damaged PIN file matches nothing: the staff set the PIN again."""
    try:
        document = json.loads((folder / PIN_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False
    try:
        salt = bytes.fromhex(str(document["salt"]))
        wanted = str(document["hash"])
    except (KeyError, ValueError, TypeError):
        return False
    import hmac

    return hmac.compare_digest(_digest(entered, salt), wanted)


class PinGuard:
    """Counts wrong PINs per profile; five in a row lock that profile for a minute.

    The count and the lock are kept in the profile's folder, so turning the machine off
    and on does not give five fresh tries. ``clock`` (seconds since the epoch) is
    injectable so tests never wait a real minute.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def _read(self, folder: Path) -> tuple[int, float]:
        try:
            document = json.loads((folder / PIN_TRIES_FILE).read_text(encoding="utf-8"))
            wrong, until = int(document["wrong"]), float(document["until"])
        except FileNotFoundError:
            return 0, 0.0
        except (OSError, ValueError, KeyError, TypeError):
            # A damaged count must not open the door: it becomes one fresh lock, kept, so
            # the right PIN opens it once the lockout is over.
            until = self.clock() + LOCKOUT_SECONDS
            self._write(folder, 0, until)
            return 0, until
        latest = self.clock() + LOCKOUT_SECONDS
        if until > latest:
            # The clock was set back: the lock lasts one lockout from now, not until the
            # clock catches up again.
            until = latest
            self._write(folder, wrong, until)
        return max(0, wrong), until

    def _write(self, folder: Path, wrong: int, until: float) -> None:
        atomic_write_text(
            folder / PIN_TRIES_FILE, json.dumps({"wrong": wrong, "until": until}) + "\n"
        )

    def seconds_left(self, folder: Path) -> int:
        """Seconds until the profile in ``folder`` may be tried again (0: now)."""
        left = self._read(folder)[1] - self.clock()
        return max(0, int(left + 0.999))

    def tries_left(self, folder: Path) -> int:
        """Wrong PINs still allowed before the lock."""
        return MAX_WRONG_PINS - self._read(folder)[0]

    def attempt(self, folder: Path, entered: str) -> bool:
        """Try ``entered``; False while locked or when wrong (the fifth wrong one locks)."""
        if self.seconds_left(folder):
            return False
        if pin_matches(folder, entered):
            (folder / PIN_TRIES_FILE).unlink(missing_ok=True)
            return True
        wrong, until = self._read(folder)[0] + 1, 0.0
        if wrong >= MAX_WRONG_PINS:
            wrong, until = 0, self.clock() + LOCKOUT_SECONDS
        self._write(folder, wrong, until)
        return False


def add_profile(paths: LelingPaths, name: str, pin: str | None = None) -> Path:
    """Make a new, empty profile ``name`` (its settings come on first open)."""
    if not PROFILE_NAME_PATTERN.match(name):
        raise UsageError(
            f"profile name {name!r} must be letters, digits, '.', '_' or '-' (at most 64)"
        )
    if pin is not None:
        check_pin(pin)
    folder = paths.profile_dir(name)
    if folder.exists():
        raise UsageError(f"profile {name!r} already exists ({folder})")
    folder.mkdir(parents=True)
    if pin is not None:
        set_pin(folder, pin)
    return folder


def remove_profile(paths: LelingPaths, name: str) -> Path:
    """Delete profile ``name`` and everything in it."""
    folder = paths.profile_dir(name)
    if not PROFILE_NAME_PATTERN.match(name) or not folder.is_dir():
        known = ", ".join(p.name for p in list_profiles(paths)) or "none"
        raise UsageError(f"there is no profile {name!r}; the profiles are: {known}")
    shutil.rmtree(folder)
    return folder


def guests_dir(paths: LelingPaths) -> Path:
    return paths.data_dir / GUEST_DIR


def new_guest_folder(paths: LelingPaths) -> Path:
    """A fresh, private folder for one guest session."""
    root = guests_dir(paths)
    root.mkdir(parents=True, exist_ok=True)
    import secrets

    folder = root / f"guest-{secrets.token_hex(6)}"
    folder.mkdir(mode=0o700)
    return folder


def wipe_guest(folder: Path) -> None:
    """Remove a guest's folder and everything in it (a missing one is fine)."""
    shutil.rmtree(folder, ignore_errors=True)
    if folder.exists():  # a file still open on Windows: try once more, then give up
        shutil.rmtree(folder, ignore_errors=True)


def wipe_leftover_guests(paths: LelingPaths) -> list[Path]:
    """Remove guest folders an earlier run left behind (a crash, a power cut)."""
    root = guests_dir(paths)
    if not root.is_dir():
        return []
    left = [entry for entry in root.iterdir()]
    for entry in left:
        if entry.is_dir() and not entry.is_symlink():
            wipe_guest(entry)
        else:
            entry.unlink(missing_ok=True)
    return left


def start_screen_wanted(paths: LelingPaths, site_settings: dict[str, Any]) -> bool:
    """Whether Leling starts on the start screen: the site asks for it (a shared
    machine), or the home has more than one profile."""
    chosen = site_settings.get("profiles", {})
    if isinstance(chosen, dict) and chosen.get("start_screen", False):
        return True
    return len(list_profiles(paths)) > 1


@dataclass
class Lobby:
    """What the start screen needs before anyone's profile is open: the machine's site
    settings (language, theme, text size, PIN for staff) and the home's profiles."""

    paths: LelingPaths
    site: SiteConfig
    translator: Translator
    overrides: Overrides
    #: The site file given with ``--site`` (None: the machine's own, if any).
    site_file: Path | None = None
    #: The home as given (``--home``; None: ``LELING_HOME`` or the platform's folders).
    home: str | None = None

    @property
    def settings(self) -> dict[str, Any]:
        return self.site.defaults or default_settings()

    def effective_locale(self) -> str:
        if self.overrides.locale:
            return self.overrides.locale
        chosen = str(self.settings.get("locale", "auto"))
        return chosen if chosen in SUPPORTED_LOCALES else default_locale()

    def effective_scale(self) -> int:
        if self.overrides.scale is not None:
            return self.overrides.scale
        return int(self.settings.get("text_scale", 100))

    def load_theme(self) -> Theme:
        files = theme_paths(builtin_dir("themes"), self.paths.user_themes_dir)
        wanted = self.overrides.theme or str(self.settings.get("theme", DEFAULT_THEME))
        cache = ParsedTomlCache(self.paths.parsed_toml_cache)
        try:
            return load_theme(files[wanted], cache)
        except (KeyError, ThemeError):
            return load_theme(files[DEFAULT_THEME], cache)
        finally:
            cache.save()

    def profiles(self) -> list[VisitorProfile]:
        return list_profiles(self.paths)

    def guest_offered(self) -> bool:
        return bool(self.settings.get("profiles", {}).get("guest", True))

    def guest_idle_minutes(self) -> int:
        return int(self.settings.get("profiles", {}).get("guest_idle_minutes", 10))

    def kiosk(self) -> bool:
        return bool(self.settings.get("kiosk", {}).get("enabled", False))

    def open(self, name: str, *, folder: Path | None = None) -> Instance:
        """Open a visitor's profile (or, with ``folder``, a guest's) for their shell."""
        return open_instance(
            self.home,
            name,
            self.overrides,
            site=self.site_file,
            folder=folder,
        )


def open_lobby(
    home: str | None, overrides: Overrides | None = None, *, site: Path | None = None
) -> Lobby:
    """The start screen's state for the home ``home``. A site file given on purpose
    (``--site``) that is wrong stops here with its SiteError; the machine's own broken one
    is left out, as :func:`open_instance` does, and each profile's report names it."""
    paths = resolve_paths(home)
    setup_logging(paths)
    overrides = overrides or Overrides()
    check_overrides(overrides, theme_paths(builtin_dir("themes"), paths.user_themes_dir))
    try:
        site_config = load_site(site)
    except SiteError:
        if site is not None:
            raise
        site_config = SiteConfig()
    lobby = Lobby(
        paths,
        site_config,
        Translator.from_dir(core_locales_dir(), "en"),
        overrides,
        site,
        home,
    )
    lobby.translator.set_locale(lobby.effective_locale())
    return lobby
