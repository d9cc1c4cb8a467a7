"""Jitsi Meet rooms: a stable, unguessable room per relative, and the link that opens it.

No Qt here, so the link rules can be checked on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

DEFAULT_SERVER = "https://meet.jit.si"
SECRET_FILE = "room-secret"

#: Hash settings every call link carries. Jitsi reads ``#key=value`` pairs, each value
#: JSON, URL-encoded (react/features/base/util/parseURLParams.ts), and drops keys its
#: whitelist does not know without a word, so tests/data/jitsi_hash_keys.txt records
#: which keys the Jitsi source documents.
CALL_SETTINGS: tuple[tuple[str, Any], ...] = (
    # Straight into the call: the "pre-join" page asks questions a senior cannot answer.
    # (Formerly ``prejoinPageEnabled``.)
    ("config.prejoinConfig.enabled", False),
    ("config.startWithAudioMuted", False),
    ("config.startWithVideoMuted", False),
    # On a phone, stay in the browser instead of asking to install the app.
    ("config.disableDeepLinking", True),
)


def room_secret(data_dir: Path) -> bytes:
    """The secret that makes room names unguessable, created once in ``data_dir``."""
    path = data_dir / SECRET_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
        if len(text) >= 32:
            return bytes.fromhex(text)
    except (OSError, ValueError):
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_hex(32)
    temporary = path.with_name(f".{SECRET_FILE}.{os.getpid()}")
    with open(temporary, "w", encoding="ascii", opener=_private) as handle:
        handle.write(fresh)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        # Never replace a secret another process wrote first: rooms would change.
        os.link(temporary, path)
    except FileExistsError:
        return room_secret(data_dir)
    except OSError:
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return bytes.fromhex(fresh)


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def room_name(secret: bytes, person: str) -> str:
    """The room for the senior and ``person``: the same every time, guessable by nobody."""
    digest = hmac.new(secret, person.strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return "Leling" + digest[:32]


def room_url(server: str, room: str, display_name: str = "") -> str:
    """The link that opens ``room`` on ``server`` straight into the call, as ``display_name``."""
    items: list[tuple[str, Any]] = []
    if display_name.strip():
        items.append(("userInfo.displayName", display_name.strip()))
    items.extend(CALL_SETTINGS)
    hash_part = "&".join(
        f"{key}={quote(json.dumps(value, ensure_ascii=False), safe='')}" for key, value in items
    )
    return f"{server.strip().rstrip('/')}/{room}#{hash_part}"


def hash_settings(url: str) -> dict[str, Any]:
    """The ``#key=value`` settings of a link, read the way Jitsi reads them."""
    fragment = urlsplit(url).fragment
    settings: dict[str, Any] = {}
    for part in fragment.split("&") if fragment else []:
        key, _, value = part.partition("=")
        settings[key] = json.loads(unquote(value))
    return settings
