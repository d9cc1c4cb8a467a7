"""End-to-end sealing for remote help through a broker (``docs/remote-broker.md``).

The broker only passes messages on: everything a relative and the launcher say to each
other is sealed with keys only the two of them hold.

- :class:`DeviceIdentity`: the launcher's X25519 key pair and device id, in
  ``broker.json`` (mode 0600) in the profile.
- :func:`pair_keys`: the two AES-256-GCM keys of one pair, one per direction.
- :func:`seal` / :func:`open_sealed`: a message on ``P/in/<key id>`` or ``P/out/<key id>``,
  bound to its topic and counter.
- :func:`seal_pairing` / :func:`open_pairing`: a pairing request, sealed to the device key.
- :class:`Counters`: the highest counter accepted, and the last one sent, per key id and
  direction, so a replayed message is refused even after a restart.
- :class:`RelativeEnd`: the relative's side of all this, for tests, benches and tools.

``cryptography`` is imported inside the functions: the launcher's start-up does not pay
for it unless a broker is configured.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launcher.core.errors import LelingError
from launcher.core.report import WalDatabase

IDENTITY_FILE = "broker.json"
COUNTERS_FILE = "broker.sqlite"

INFO_TO_LAUNCHER = b"leling v1 to-launcher"
INFO_TO_HELPER = b"leling v1 to-helper"
INFO_PAIR = b"leling v1 pair"

#: A pairing request older than this (by its ``at``) is refused.
PAIR_MAX_AGE_S = 10 * 60
#: Largest sealed payload read at all; the API's own limits apply after opening.
MAX_PAYLOAD_BYTES = 1024 * 1024

#: Directions of a pair, as counters are kept.
TO_LAUNCHER = "in"
TO_HELPER = "out"

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_HEX32 = re.compile(r"[0-9a-f]{32}")


class SealError(LelingError):
    """A message that is refused. ``kind``: ``malformed``, ``does-not-open``, ``stale``."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 4648 §5)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: object, length: int | None = None) -> bytes:
    """The bytes of base64url ``text`` (padding optional); SealError if it is not."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise SealError("not base64url", "malformed")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise SealError("not base64url", "malformed") from None
    if length is not None and len(data) != length:
        raise SealError(f"expected {length} bytes, got {len(data)}", "malformed")
    return data


def key_id(public_key: bytes) -> str:
    """The first 16 bytes of SHA-256(public key), as 32 hex digits."""
    return hashlib.sha256(public_key).digest()[:16].hex()


def is_key_id(text: str) -> bool:
    return _HEX32.fullmatch(text) is not None


def public_key_of(private_key: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return X25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes_raw()


def new_private_key() -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return X25519PrivateKey.generate().private_bytes_raw()


def _derive(own_private: bytes, other_public: bytes, device: str, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    try:
        shared = X25519PrivateKey.from_private_bytes(own_private).exchange(
            X25519PublicKey.from_public_bytes(other_public)
        )
    except ValueError:
        # A low-order public key gives an all-zero secret: nobody can be talking.
        raise SealError("unusable public key", "does-not-open") from None
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=bytes.fromhex(device), info=info).derive(
        shared
    )


@dataclass(frozen=True)
class PairKeys:
    """The AES-256-GCM keys of one launcher and one relative."""

    to_launcher: bytes = field(repr=False)
    to_helper: bytes = field(repr=False)


def pair_keys(own_private: bytes, other_public: bytes, device: str) -> PairKeys:
    """Both directions' keys; the same on the launcher's and on the relative's side."""
    return PairKeys(
        _derive(own_private, other_public, device, INFO_TO_LAUNCHER),
        _derive(own_private, other_public, device, INFO_TO_HELPER),
    )


def _json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _read_object(payload: bytes) -> dict[str, Any]:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise SealError("payload too large", "malformed")
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SealError("payload is not JSON", "malformed") from None
    if not isinstance(data, dict):
        raise SealError("payload is not a JSON object", "malformed")
    return data


def _decrypt(key: bytes, iv: bytes, ciphertext: bytes, aad: bytes) -> dict[str, Any]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        plain = AESGCM(key).decrypt(iv, ciphertext, aad)
    except InvalidTag:
        raise SealError("message does not open", "does-not-open") from None
    try:
        data = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SealError("plaintext is not JSON", "malformed") from None
    if not isinstance(data, dict):
        raise SealError("plaintext is not a JSON object", "malformed")
    return data


def seal(key: bytes, topic: str, n: int, message: dict[str, Any]) -> bytes:
    """The payload for ``message`` on ``topic`` with the sender's counter ``n``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv = secrets.token_bytes(12)
    ciphertext = AESGCM(key).encrypt(iv, _json_bytes(message), f"{topic}|{n}".encode())
    return _json_bytes({"v": 1, "n": n, "iv": b64url(iv), "ct": b64url(ciphertext)})


def open_sealed(key: bytes, topic: str, payload: bytes) -> tuple[int, dict[str, Any]]:
    """The counter and the message of a sealed payload; SealError if it does not open.
    The counter is not checked here: see :meth:`Counters.accept`."""
    data = _read_object(payload)
    n = data.get("n")
    if data.get("v") != 1 or not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise SealError("not a sealed message", "malformed")
    iv = from_b64url(data.get("iv"), 12)
    ciphertext = from_b64url(data.get("ct"))
    if len(ciphertext) < 16:
        raise SealError("ciphertext too short", "malformed")
    return n, _decrypt(key, iv, ciphertext, f"{topic}|{n}".encode())


def seal_pairing(device: str, device_public: bytes, topic: str, message: dict[str, Any]) -> bytes:
    """A pairing request sealed to the device key alone (the relative's side)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ephemeral = new_private_key()
    key = _derive(ephemeral, device_public, device, INFO_PAIR)
    iv = secrets.token_bytes(12)
    ciphertext = AESGCM(key).encrypt(iv, _json_bytes(message), topic.encode())
    return _json_bytes(
        {"v": 1, "e": b64url(public_key_of(ephemeral)), "iv": b64url(iv), "ct": b64url(ciphertext)}
    )


@dataclass(frozen=True)
class PairingMessage:
    code: str
    name: str
    public_key: bytes
    at: float
    #: The sender's ephemeral key: the same message seen twice is refused.
    ephemeral: bytes


def open_pairing(
    device: str, device_private: bytes, topic: str, payload: bytes, now: float | None = None
) -> PairingMessage:
    """A pairing request for this device; SealError if it does not open, is malformed or
    is older than ten minutes."""
    data = _read_object(payload)
    if data.get("v") != 1:
        raise SealError("not a pairing message", "malformed")
    ephemeral = from_b64url(data.get("e"), 32)
    iv = from_b64url(data.get("iv"), 12)
    ciphertext = from_b64url(data.get("ct"))
    key = _derive(device_private, ephemeral, device, INFO_PAIR)
    message = _decrypt(key, iv, ciphertext, topic.encode())
    code, name, at = message.get("code"), message.get("name"), message.get("at")
    if not isinstance(code, str) or not isinstance(name, str):
        raise SealError("pairing message without code or name", "malformed")
    if not isinstance(at, int | float) or isinstance(at, bool):
        raise SealError("pairing message without a time", "malformed")
    public_key = from_b64url(message.get("key"), 32)
    if abs((time.time() if now is None else now) - float(at)) > PAIR_MAX_AGE_S:
        raise SealError("pairing message is older than ten minutes", "stale")
    return PairingMessage(code, name, public_key, float(at), ephemeral)


# -- the device's identity ------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceIdentity:
    """The launcher's id and X25519 key pair at the broker."""

    device: str
    private_key: bytes = field(repr=False)

    @property
    def public_key(self) -> bytes:
        return public_key_of(self.private_key)

    @property
    def root(self) -> str:
        """The topic prefix ``leling/<device id>``."""
        return f"leling/{self.device}"

    @classmethod
    def load_or_create(cls, profile_dir: Path) -> DeviceIdentity:
        """The identity in ``broker.json``, made (mode 0600) on first use. A damaged file
        is a LelingError, never silently replaced: every pairing depends on it."""
        path = profile_dir / IDENTITY_FILE
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                device, key = data["device"], data["key"]
                if not isinstance(device, str) or not is_key_id(device):
                    raise ValueError("device is not 32 hex digits")
                identity = cls(device, from_b64url(key, 32))
            except (OSError, ValueError, KeyError, TypeError, SealError) as exc:
                raise LelingError(
                    f"{path}: the broker identity cannot be read ({exc}); restore it from a "
                    "backup, or delete it and pair every relative again"
                ) from None
            return identity
        identity = cls(secrets.token_hex(16), new_private_key())
        profile_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"device": identity.device, "key": b64url(identity.private_key)})
        partial = path.with_name(f".{IDENTITY_FILE}.{os.getpid()}.part")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, path)
        return identity


# -- counters -------------------------------------------------------------------------------


class Counters:
    """Counters per key id and direction, in ``broker.sqlite``. Thread-safe (SQLite).

    Kept even after a relative is removed: a message of theirs the broker replays later
    must still be refused, and a counter never starts again for the same key.
    """

    def __init__(self, path: Path) -> None:
        self.db = WalDatabase(
            path,
            (
                "CREATE TABLE IF NOT EXISTS counters ("
                " key_id TEXT NOT NULL, direction TEXT NOT NULL, n INTEGER NOT NULL,"
                " PRIMARY KEY (key_id, direction))",
                "CREATE TABLE IF NOT EXISTS sent_events (key TEXT PRIMARY KEY, at REAL NOT NULL)",
            ),
        )

    def accept(self, key_id: str, direction: str, n: int) -> bool:
        """Note ``n`` as received if it is higher than any before; False if it is not."""
        with self.db.connect() as db:
            raised = db.execute(
                "UPDATE counters SET n = ? WHERE key_id = ? AND direction = ? AND n < ?",
                (n, key_id, direction, n),
            ).rowcount
            if raised:
                return True
            return bool(
                db.execute(
                    "INSERT OR IGNORE INTO counters (key_id, direction, n) VALUES (?, ?, ?)",
                    (key_id, direction, n),
                ).rowcount
            )

    def highest(self, key_id: str, direction: str) -> int:
        with self.db.connect() as db:
            row = db.execute(
                "SELECT n FROM counters WHERE key_id = ? AND direction = ?", (key_id, direction)
            ).fetchone()
        return int(row[0]) if row else 0

    def next(self, key_id: str, direction: str) -> int:
        """The next counter to send with: 1 for the first message, then one more."""
        with self.db.connect() as db:
            db.execute(
                "INSERT INTO counters (key_id, direction, n) VALUES (?, ?, 1)"
                " ON CONFLICT (key_id, direction) DO UPDATE SET n = n + 1",
                (key_id, direction),
            )
            row = db.execute(
                "SELECT n FROM counters WHERE key_id = ? AND direction = ?", (key_id, direction)
            ).fetchone()
        return int(row[0])

    def note_sent(self, key: str) -> bool:
        """Note that event ``key`` went out; False if it had already."""
        with self.db.connect() as db:
            return bool(
                db.execute(
                    "INSERT OR IGNORE INTO sent_events (key, at) VALUES (?, ?)", (key, time.time())
                ).rowcount
            )


# -- the relative's side --------------------------------------------------------------------


class RelativeEnd:
    """What a relative's app does, in Python: pair, send requests, open answers.

    Counters are kept in memory. For tests, benches and admin tools; the real app does
    the same in the browser with WebCrypto.
    """

    def __init__(self, device: str, device_public: bytes, private_key: bytes | None = None):
        self.device = device
        self.device_public = device_public
        self.private_key = private_key or new_private_key()
        self.public_key = public_key_of(self.private_key)
        self.key_id = key_id(self.public_key)
        self.keys = pair_keys(self.private_key, device_public, device)
        self.sent = 0
        self.received = 0

    @property
    def root(self) -> str:
        return f"leling/{self.device}"

    @property
    def in_topic(self) -> str:
        return f"{self.root}/in/{self.key_id}"

    @property
    def out_topic(self) -> str:
        return f"{self.root}/out/{self.key_id}"

    def pairing(self, code: str, name: str, at: float | None = None) -> bytes:
        return seal_pairing(
            self.device,
            self.device_public,
            f"{self.root}/pair",
            {
                "code": code,
                "name": name,
                "key": b64url(self.public_key),
                "at": int(time.time() if at is None else at),
            },
        )

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        request_id: str | None = None,
        lang: str = "en",
        at: float | None = None,
    ) -> tuple[str, bytes]:
        """The id and the payload of one request."""
        self.sent += 1
        message: dict[str, Any] = {
            "id": request_id or secrets.token_hex(8),
            "method": method,
            "path": path,
            "lang": lang,
            "at": int(time.time() if at is None else at),
        }
        if body is not None:
            message["body"] = body
        return message["id"], seal(self.keys.to_launcher, self.in_topic, self.sent, message)

    def open(self, payload: bytes) -> dict[str, Any]:
        """An answer or event from the launcher; SealError if refused (replays too)."""
        n, message = open_sealed(self.keys.to_helper, self.out_topic, payload)
        if n <= self.received:
            raise SealError(f"counter {n} is not above {self.received}", "replayed")
        self.received = n
        return message
