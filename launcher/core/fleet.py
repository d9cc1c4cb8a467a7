"""One site configuration for a whole fleet of machines, signed by the centre.

A community centre publishes its ``site.toml`` (the bundle) and a detached Ed25519
signature beside it (``site.toml.sig``, base64) on any HTTPS server. Each machine has a
``fleet.toml`` next to its site file::

    url = "https://centre.example.org/leling/site.toml"
    public_key = "base64 of the centre's 32-byte Ed25519 public key"
    # ca = "/etc/ssl/centre-ca.pem"      # when the server's certificate is the centre's own
    # announce = "mqtts://machines:PW@broker.example.org:8883/leling-fleet/centre-1"

``leling fleet pull`` (a system timer runs it) asks for the bundle with ``If-None-Match``,
so nothing is downloaded when nothing changed; checks the signature against the centre's
key and the bundle itself as a site file; and only then replaces ``site.toml``, atomically.
A server that is down, a wrong signature or a bad bundle leave the last good one in place,
and ``leling fleet status`` says what happened. ``leling fleet sign`` and
``leling fleet keygen`` are the centre staff's tools.

With ``announce``, ``leling fleet listen`` (a system service) also waits on an MQTT topic:
any message there makes it pull at once, so machines take a new bundle within seconds
instead of at the next timer. The message carries nothing to trust: the pull checks the
signature as always. ``leling fleet announce`` sends one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from launcher.core.errors import LelingError
from launcher.core.site import SITE_FILE, SiteError, load_site

FLEET_FILE = "fleet.toml"
STATE_FILE = "fleet-state.json"
SIGNATURE_SUFFIX = ".sig"
#: A bundle is a site file: small. Anything bigger is refused unread.
MAX_BUNDLE_BYTES = 256 * 1024
TIMEOUT_S = 20


class FleetError(LelingError):
    """A fleet problem; the message names the file, the address or the key."""


@dataclass(frozen=True)
class FleetSource:
    """Where this machine's bundle comes from (``fleet.toml``)."""

    url: str
    public_key: bytes
    ca: str = ""
    #: ``mqtt[s]://user:password@host:port/topic``: where new bundles are announced.
    announce: str = ""


@dataclass
class FleetState:
    """What the last pulls did, kept in ``fleet-state.json``."""

    etag: str = ""
    #: SHA-256 of the bundle in force, hex.
    bundle: str = ""
    last_check: str = ""
    last_change: str = ""
    #: What went wrong at the last check; empty when it went well.
    last_error: str = ""


#: Fetches ``url`` with ``headers``: (HTTP status, headers in lower case, body).
Fetcher = Callable[[str, dict[str, str], str], tuple[int, dict[str, str], bytes]]


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def read_source(path: Path) -> FleetSource:
    """Read ``fleet.toml``; raises FleetError naming the file and key."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FleetError(f"{path}: no fleet file (this machine takes no fleet bundle)") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FleetError(f"{path}: cannot be read ({exc})") from exc
    unknown = set(document) - {"url", "public_key", "ca", "announce"}
    if unknown:
        raise FleetError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    url = document.get("url")
    if not isinstance(url, str) or not url.startswith("https://"):
        raise FleetError(f"{path}: 'url' must be an https:// address, got {url!r}")
    key_text = document.get("public_key")
    try:
        key = base64.b64decode(str(key_text), validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise FleetError(f"{path}: 'public_key' must be a base64 Ed25519 public key (32 bytes)")
    ca = document.get("ca", "")
    if not isinstance(ca, str):
        raise FleetError(f"{path}: 'ca' must be the path of a certificate file")
    announce = document.get("announce", "")
    if announce:
        try:
            announce_address(str(announce))
        except FleetError as exc:
            raise FleetError(f"{path}: 'announce': {exc}") from None
    return FleetSource(url, key, ca, str(announce))


def read_state(folder: Path) -> FleetState:
    try:
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return FleetState()
    known = FleetState.__dataclass_fields__
    return FleetState(**{k: str(v) for k, v in data.items() if k in known})


def _write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _save_state(folder: Path, state: FleetState) -> None:
    _write_atomically(folder / STATE_FILE, json.dumps(asdict(state), indent=2).encode("utf-8"))


def make_keys() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair for a centre: (private key PEM, public key raw 32 bytes)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return pem, public


def sign(bundle: bytes, private_pem: bytes) -> str:
    """The base64 signature of ``bundle`` with the centre's private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise FleetError("the key is not an Ed25519 private key")
    return base64.b64encode(key.sign(bundle)).decode("ascii")


def verify(bundle: bytes, signature_text: str, public_key: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        signature = base64.b64decode(signature_text.strip(), validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, bundle)
    except (InvalidSignature, ValueError):
        return False
    return True


def requests_fetcher(
    url: str, headers: dict[str, str], ca: str
) -> tuple[int, dict[str, str], bytes]:
    """HTTPS with ``requests``: certificate checked (against ``ca`` when given)."""
    import requests

    with requests.get(
        url, headers=headers, timeout=TIMEOUT_S, verify=ca or True, stream=True
    ) as response:
        body = response.raw.read(MAX_BUNDLE_BYTES + 1, decode_content=True)
        found = {name.lower(): value for name, value in response.headers.items()}
        return response.status_code, found, body


def pull(site_dir: Path, fetch: Fetcher = requests_fetcher) -> FleetState:
    """Bring ``site_dir/site.toml`` up to date from the fleet source in
    ``site_dir/fleet.toml``; what happened is in the returned (and saved) state. Raises
    FleetError only when this machine has no usable fleet file."""
    source = read_source(site_dir / FLEET_FILE)
    state = read_state(site_dir)
    state.last_check = _now()
    state.last_error = ""
    try:
        changed = _pull_once(site_dir, source, state, fetch)
    except FleetError as exc:
        state.last_error = str(exc)
    except OSError as exc:
        # Includes requests' connection errors: the server is down or unreachable.
        state.last_error = f"{source.url}: cannot be reached ({exc.__class__.__name__})"
    else:
        if changed:
            state.last_change = state.last_check
    _save_state(site_dir, state)
    return state


def _pull_once(site_dir: Path, source: FleetSource, state: FleetState, fetch: Fetcher) -> bool:
    site_file = site_dir / SITE_FILE
    headers = {}
    if state.etag and site_file.is_file():
        headers["If-None-Match"] = state.etag
    status, found, bundle = fetch(source.url, headers, source.ca)
    if status == 304:
        return False
    if status != 200:
        raise FleetError(f"{source.url}: the server answered HTTP {status}")
    if len(bundle) > MAX_BUNDLE_BYTES:
        raise FleetError(f"{source.url}: the bundle is larger than {MAX_BUNDLE_BYTES} bytes")
    sig_status, _, signature = fetch(source.url + SIGNATURE_SUFFIX, {}, source.ca)
    if sig_status != 200:
        raise FleetError(f"{source.url}{SIGNATURE_SUFFIX}: the server answered HTTP {sig_status}")
    if not verify(bundle, signature.decode("ascii", "replace"), source.public_key):
        raise FleetError(
            f"{source.url}: the signature does not match the centre's key; "
            "the last good bundle stays"
        )
    digest = hashlib.sha256(bundle).hexdigest()
    # The bundle must be a good site file before it may replace the one in force.
    with tempfile.TemporaryDirectory() as scratch:
        candidate = Path(scratch) / SITE_FILE
        candidate.write_bytes(bundle)
        try:
            load_site(candidate)
        except SiteError as exc:
            message = str(exc).replace(str(candidate), source.url)
            raise FleetError(f"{message}; the last good bundle stays") from None
    state.etag = found.get("etag", "")
    if digest == state.bundle and site_file.is_file():
        return False
    _write_atomically(site_file, bundle)
    state.bundle = digest
    return True


def describe(site_dir: Path) -> list[str]:
    """``leling fleet status``: one line per fact."""
    lines = [f"site file: {site_dir / SITE_FILE}"]
    try:
        source = read_source(site_dir / FLEET_FILE)
    except FleetError as exc:
        return [*lines, str(exc)]
    state = read_state(site_dir)
    lines.append(f"source: {source.url}")
    lines.append(f"bundle in force: {state.bundle[:16] or 'none yet'}")
    lines.append(f"last check: {state.last_check or 'never'}")
    lines.append(f"last change: {state.last_change or 'never'}")
    lines.append(f"last problem: {state.last_error or 'none'}")
    return lines


def status_json(site_dir: Path) -> dict[str, Any]:
    state = read_state(site_dir)
    return {"site_file": str(site_dir / SITE_FILE), **asdict(state)}


# -- announcements over MQTT ----------------------------------------------------------


@dataclass(frozen=True)
class AnnounceAddress:
    tls: bool
    host: str
    port: int
    user: str | None
    password: str | None
    topic: str


def announce_address(url: str) -> AnnounceAddress:
    """``mqtt[s]://user:password@host:port/topic``; FleetError saying what is wrong."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise FleetError(f"{url!r} is not an mqtt:// or mqtts:// address with a host")
    topic = unquote(parts.path.lstrip("/"))
    if not topic or "#" in topic or "+" in topic:
        raise FleetError(f"{url!r} names no topic (…/leling-fleet/centre-1), or a wildcard")
    try:
        port = parts.port
    except ValueError:
        raise FleetError(f"{url!r}: the port is not a port number") from None
    tls = parts.scheme == "mqtts"
    return AnnounceAddress(
        tls,
        parts.hostname,
        port or (8883 if tls else 1883),
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
        topic,
    )


def _mqtt_client(address: AnnounceAddress, ca: str) -> Any:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    if address.user:
        client.username_pw_set(address.user, address.password)
    if address.tls:
        client.tls_set(ca_certs=ca or None)
    client.reconnect_delay_set(1, 60)
    return client


def announce(url: str, ca: str = "") -> None:
    """Tell the machines listening on ``url`` that a new bundle is out."""
    address = announce_address(url)
    client = _mqtt_client(address, ca)
    try:
        client.connect(address.host, address.port)
        client.loop_start()
        client.publish(address.topic, b"new bundle", qos=1).wait_for_publish(20)
    except OSError as exc:
        raise FleetError(f"{address.host}:{address.port}: cannot be reached ({exc})") from exc
    finally:
        client.loop_stop()
        client.disconnect()


def listen(
    site_dir: Path,
    stop: threading.Event,
    fetch: Fetcher = requests_fetcher,
    pulled: Callable[[FleetState], None] = lambda state: None,
) -> None:
    """Pull now, then again whenever the fleet's topic hears anything, until ``stop``."""
    source = read_source(site_dir / FLEET_FILE)
    if not source.announce:
        raise FleetError(f"{site_dir / FLEET_FILE}: no 'announce' address to listen on")
    address = announce_address(source.announce)
    wanted = threading.Event()
    wanted.set()  # catch up with what was announced while this machine was off
    client = _mqtt_client(address, source.ca)
    client.on_connect = lambda c, *_: c.subscribe(address.topic, qos=1)
    client.on_message = lambda *_: wanted.set()
    client.connect_async(address.host, address.port)
    client.loop_start()
    try:
        while not stop.is_set():
            if wanted.wait(0.5):
                wanted.clear()
                pulled(pull(site_dir, fetch))
    finally:
        client.loop_stop()
        client.disconnect()
