"""Remote help from anywhere: one outbound connection to an MQTT broker.

The protocol is ``docs/remote-broker.md``. The launcher connects out (so it works behind
any home router), keeps a persistent session so requests sent while it was off wait at
the broker, and says online/offline on a retained presence topic (the last will says
offline). Every message is sealed end to end (:mod:`launcher.core.e2e`): the broker sees
key ids and sizes, never a name or a setting.

Each request a relative sends becomes one :class:`launcher.remote.api.Request`, answered
by the same :class:`RemoteApi` handlers as on the local network, on the UI thread (through
``run_on_ui``). Threads: paho's network loop hands messages to one worker thread, which
opens them, applies them in order and seals the answers; nothing here touches Qt.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launcher.core.e2e import (
    COUNTERS_FILE,
    TO_HELPER,
    TO_LAUNCHER,
    Counters,
    DeviceIdentity,
    PairKeys,
    SealError,
    b64url,
    is_key_id,
    key_id,
    open_pairing,
    open_sealed,
    pair_keys,
    seal,
)
from launcher.core.errors import LelingError
from launcher.core.helpers import Helper, PairingError, PairingRequest
from launcher.remote.api import Request

if TYPE_CHECKING:
    from launcher.remote.api import RemoteApi

log = logging.getLogger("leling.remote.broker")

#: Where the running launcher notes its connection, for ``leling remote status``.
STATE_FILE = "broker-state.json"
#: Methods a relative's request may use.
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
#: Reconnecting waits this long at first, doubling up to the longest.
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 60
KEEPALIVE_S = 60
#: Alerts to one relative younger than this also go to their app through the broker.
MESSAGE_WINDOW_S = 3600

#: With nothing else to do, the worker looks for SOS alarms this often (an escalation,
#: or an alarm another Leling process raised).
ALARM_LOOK_S = 60

#: What the helper report says of each kind of refused message, once.
REFUSED_WORDS = {
    "unknown-key": "from a key that is not paired (a removed relative, or a stranger)",
    "does-not-open": "that does not open (damaged on the way, or forged)",
    "replayed": "that was seen before (a replay)",
    "malformed": "that is not a Leling message",
    "stale": "a pairing request older than ten minutes",
}


@dataclass(frozen=True)
class BrokerAddress:
    """``mqtt://user:password@host:1883`` or ``mqtts://…``, taken apart."""

    tls: bool
    host: str
    port: int
    username: str | None
    password: str | None

    @property
    def shown(self) -> str:
        """The address without the password, for logs and the status."""
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


def parse_broker_url(url: str) -> BrokerAddress:
    """The broker's address; LelingError saying what is wrong with ``url``."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("mqtt", "mqtts"):
        raise LelingError(f"{url!r}: a broker address starts mqtt:// or mqtts://")
    if not parts.hostname:
        raise LelingError(f"{url!r}: the broker address has no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise LelingError(f"{url!r}: a broker address is only mqtt://user:password@host:port")
    try:
        port = parts.port
    except ValueError:
        raise LelingError(f"{url!r}: the broker's port is not a port number") from None
    tls = parts.scheme == "mqtts"
    return BrokerAddress(
        tls,
        parts.hostname,
        port or (8883 if tls else 1883),
        urllib.parse.unquote(parts.username) if parts.username else None,
        urllib.parse.unquote(parts.password) if parts.password else None,
    )


def read_state(profile_dir: Path) -> dict[str, Any] | None:
    """What the running launcher last noted of its broker connection, or None. A note
    left by a launcher that is no longer running says ``stopped``."""
    path = profile_dir / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict):
        return None
    pid = state.get("pid")
    if state.get("state") != "stopped" and isinstance(pid, int):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            state["state"] = "stopped"
        except PermissionError:
            pass
    return state


class BrokerLink:
    """The launcher's connection to one broker, and the relatives it serves there."""

    def __init__(
        self,
        api: RemoteApi,
        run_on_ui: Callable[[Callable[[], Any]], Any],
        url: str,
    ) -> None:
        self.api = api
        self.run_on_ui = run_on_ui
        self.address = parse_broker_url(url)
        self.profile_dir = api.instance.profile_dir
        self.identity = DeviceIdentity.load_or_create(self.profile_dir)
        self.counters = Counters(self.profile_dir / COUNTERS_FILE)
        root = self.identity.root
        self.presence_topic = f"{root}/presence"
        self.pair_topic = f"{root}/pair"
        self.in_prefix = f"{root}/in/"
        #: ``connecting``, ``online``, ``offline`` (lost, reconnecting), ``refused``
        #: (the broker said no: credentials or ACL), ``stopped``.
        self.state = "stopped"
        self.since = time.time()
        #: Messages refused, by kind; never answered.
        self.refused: Counter[str] = Counter()
        self._jobs: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._keys: dict[str, PairKeys] = {}
        self._send_lock = threading.Lock()
        self._pairings: dict[str, tuple[str, bytes]] = {}
        self._ephemerals: dict[bytes, float] = {}
        self._client: Any = None
        self._worker: threading.Thread | None = None
        self.connected = threading.Event()
        api.book.add_revoke_listener(self._revoked)
        api.desk.add_listener(self._decided)

    # -- running --------------------------------------------------------------------------

    def start(self) -> None:
        """Connect (and keep reconnecting) in the background; returns at once."""
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"leling-{self.identity.device}",
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if self.address.username:
            client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            client.tls_set()
        client.will_set(self.presence_topic, self._presence("offline"), qos=1, retain=True)
        client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client
        self._worker = threading.Thread(target=self._work, name="leling-broker", daemon=True)
        self._worker.start()
        self._set_state("connecting")
        client.connect_async(self.address.host, self.address.port, keepalive=KEEPALIVE_S)
        client.loop_start()
        log.info("remote help through %s as %s", self.address.shown, self.identity.device)

    def stop(self, timeout: float = 2.0) -> None:
        """Say offline (retained), disconnect and stop the threads."""
        client, self._client = self._client, None
        if client is None:
            return
        if self.connected.is_set():
            try:
                sent = client.publish(
                    self.presence_topic, self._presence("offline"), qos=1, retain=True
                )
                sent.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                pass  # the connection went meanwhile: the last will says the same
        client.disconnect()
        client.loop_stop()
        self._jobs.put(("stop",))
        if self._worker is not None:
            self._worker.join(timeout)
        self.connected.clear()
        self._set_state("stopped")

    def check_alarms(self) -> None:
        """Send relatives any SOS (or next round of one) they have not had yet."""
        self._jobs.put(("alarms",))

    @staticmethod
    def _presence(state: str) -> bytes:
        return json.dumps({"state": state, "at": int(time.time())}).encode("utf-8")

    def _set_state(self, state: str) -> None:
        self.state, self.since = state, time.time()
        note = {
            "state": state,
            "since": int(self.since),
            "broker": self.address.shown,
            "device": self.identity.device,
            "pid": os.getpid(),
            "refused": dict(self.refused),
        }
        try:
            from launcher.core.settings import atomic_write_text

            atomic_write_text(self.profile_dir / STATE_FILE, json.dumps(note) + "\n")
        except OSError as exc:
            log.warning("cannot note the broker state: %s", exc)

    # -- paho's thread --------------------------------------------------------------------

    def _on_connect(
        self, client: Any, _userdata: Any, _flags: Any, reason: Any, _properties: Any
    ) -> None:
        if reason.is_failure:
            log.warning("the broker %s refused the connection: %s", self.address.shown, reason)
            self.api.instance.report.add(
                "remote",
                f"the remote-help broker {self.address.shown} refused Leling's connection "
                f"({reason}); check the user name and password in remote.broker",
                once=True,
            )
            self._set_state("refused")
            return
        client.subscribe([(self.pair_topic, 1), (f"{self.in_prefix}+", 1)])
        client.publish(self.presence_topic, self._presence("online"), qos=1, retain=True)
        self.connected.set()
        self._set_state("online")
        log.info("connected to %s", self.address.shown)
        self.check_alarms()

    def _on_disconnect(
        self, _client: Any, _userdata: Any, _flags: Any, reason: Any, _properties: Any
    ) -> None:
        self.connected.clear()
        if self._client is not None:
            log.info("lost the broker %s (%s); reconnecting", self.address.shown, reason)
            self._set_state("offline")

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        self._jobs.put(("message", message.topic, bytes(message.payload), message.mid, message.qos))

    # -- the worker -----------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=ALARM_LOOK_S)
            except queue.Empty:
                job = ("alarms",)
            kind = job[0]
            if kind == "stop":
                return
            try:
                if kind == "message":
                    self._handle(job[1], job[2])
                elif kind == "paired":
                    self._answer_pairing(job[1])
                elif kind == "revoked":
                    self._send(job[1], job[2], {"event": "revoked"})
                    self._keys.pop(job[1], None)
                elif kind == "alarms":
                    self._send_alarms()
                    self._send_messages()
            except Exception:
                log.exception("remote help through the broker: %s", kind)
            finally:
                if kind == "message":
                    client = self._client
                    if client is not None and job[4] > 0:
                        client.ack(job[3], job[4])

    def _refuse(self, kind: str, where: str) -> None:
        """A message that is dropped unanswered: counted, logged, reported once."""
        self.refused[kind] += 1
        log.warning("refused a message on %s: %s", where, kind)
        self.api.instance.report.add(
            "remote",
            f"remote help through the broker ignored a message {REFUSED_WORDS.get(kind, kind)}",
            once=True,
        )
        self._set_state(self.state)

    def _handle(self, topic: str, payload: bytes) -> None:
        if topic == self.pair_topic:
            self._pair(payload)
        elif topic.startswith(self.in_prefix):
            self._request(topic, topic[len(self.in_prefix) :], payload)

    def _pair_keys(self, kid: str, public_key: bytes) -> PairKeys:
        keys = self._keys.get(kid)
        if keys is None:
            keys = pair_keys(self.identity.private_key, public_key, self.identity.device)
            self._keys[kid] = keys
        return keys

    def _send(self, kid: str, public_key: bytes, message: dict[str, Any]) -> bool:
        """Seal ``message`` to one relative and publish it on their ``out`` topic."""
        client = self._client
        if client is None:
            return False
        keys = self._pair_keys(kid, public_key)
        topic = f"{self.identity.root}/out/{kid}"
        # One counter after the other, published in that order: the app refuses a lower
        # counter after a higher one.
        with self._send_lock:
            n = self.counters.next(kid, TO_HELPER)
            info = client.publish(topic, seal(keys.to_helper, topic, n, message), qos=1)
        return bool(info.rc == 0)

    # -- requests -------------------------------------------------------------------------

    def _request(self, topic: str, kid: str, payload: bytes) -> None:
        found = self.api.book.by_key_id(kid) if is_key_id(kid) else None
        if found is None:
            self._refuse("unknown-key", "in")
            return
        helper, public_key = found
        try:
            n, message = open_sealed(self._pair_keys(kid, public_key).to_launcher, topic, payload)
        except SealError as exc:
            self._refuse(exc.kind, "in")
            return
        if not self.counters.accept(kid, TO_LAUNCHER, n):
            self._refuse("replayed", "in")
            return
        self.api.book.seen(helper.id)
        request_id = message.get("id")
        if not isinstance(request_id, str) or not 0 < len(request_id) <= 100:
            self._refuse("malformed", "in")
            return
        request, sent_at = self._api_request(message)
        if request is None:
            self._send(kid, public_key, {"id": request_id, "status": 400, "body": {}})
            return
        response = self.run_on_ui(lambda: self.api.handle_as(helper, request, sent_at=sent_at))
        answer: dict[str, Any] = {"id": request_id, "status": response.status}
        if response.body:
            if response.content_type.startswith("application/json"):
                answer["body"] = json.loads(response.body.decode("utf-8"))
            else:
                # A picture (a photo, the screen): carried as base64url with its type.
                answer["body"] = {"type": response.content_type, "data": b64url(response.body)}
        self._send(kid, public_key, answer)

    @staticmethod
    def _api_request(message: dict[str, Any]) -> tuple[Request | None, float | None]:
        method, path, lang = message.get("method"), message.get("path"), message.get("lang")
        at = message.get("at")
        if method not in METHODS or not isinstance(path, str) or not path.startswith("/api/"):
            return None, None
        where = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(where.query))
        if isinstance(lang, str):
            query["lang"] = lang
        headers: dict[str, str] = {}
        body = b""
        if "body" in message:
            headers["content-type"] = "application/json"
            body = json.dumps(message["body"], ensure_ascii=False).encode("utf-8")
        sent_at = float(at) if isinstance(at, int | float) and not isinstance(at, bool) else None
        return Request(str(method), where.path, query, headers, body), sent_at

    # -- pairing --------------------------------------------------------------------------

    def _pair(self, payload: bytes) -> None:
        try:
            asked = open_pairing(
                self.identity.device, self.identity.private_key, self.pair_topic, payload
            )
        except SealError as exc:
            self._refuse(exc.kind, "pair")
            return
        now = time.monotonic()
        self._ephemerals = {k: t for k, t in self._ephemerals.items() if now - t < 900}
        if asked.ephemeral in self._ephemerals:
            # The same request again (the broker, or someone, replaying it): it must not
            # count as a wrong code towards the lock.
            self._refuse("replayed", "pair")
            return
        self._ephemerals[asked.ephemeral] = now
        kid = key_id(asked.public_key)
        try:
            request, _claim = self.api.desk.ask(asked.code, asked.name, asked.public_key)
        except PairingError as exc:
            status = "locked" if exc.reason == "locked" else "wrong-code"
            self._send(kid, asked.public_key, {"event": "paired", "status": status})
            return
        except LelingError:  # a name that is empty or too long
            self._send(kid, asked.public_key, {"event": "paired", "status": "refused"})
            return
        self._pairings[request.id] = (kid, asked.public_key)
        self.run_on_ui(lambda: self.api.launcher.ask_approval(request))

    def _decided(self, request: PairingRequest) -> None:
        if request.id in self._pairings:
            self._jobs.put(("paired", request))

    def _answer_pairing(self, request: PairingRequest) -> None:
        kid, public_key = self._pairings.pop(request.id)
        status = "approved" if request.status == "approved" else "refused"
        self._send(kid, public_key, {"event": "paired", "status": status})

    def _revoked(self, helper: Helper, public_key: bytes | None) -> None:
        if public_key is not None:
            self._jobs.put(("revoked", key_id(public_key), public_key))

    # -- SOS ------------------------------------------------------------------------------

    def _send_alarms(self) -> None:
        from launcher.core.alarm import ALARMS_FILE

        if not self.connected.is_set() or not (self.profile_dir / ALARMS_FILE).exists():
            return
        active = self.api.alarms().active()
        if not active:
            return
        relatives = self.api.book.with_keys()
        for state in active:
            body = {
                "id": self.api.alarm_id(state),
                "raised": state.raised,
                "title": state.title,
                "body": state.body,
                "round": state.step + 1,
            }
            for _helper, public_key in relatives:
                kid = key_id(public_key)
                if self.counters.note_sent(f"alarm:{state.key}:{state.step}:{kid}"):
                    self._send(kid, public_key, {"event": "alarm", "body": body})

    # -- messages to the family -----------------------------------------------------------

    def _send_messages(self) -> None:
        """Alerts a plugin sent one relative (a reply, a taxi request) reach them at once
        when they have the app open, besides their own channels."""
        from launcher.core.outbox import OUTBOX_FILE, Outbox

        if not self.connected.is_set() or not (self.profile_dir / OUTBOX_FILE).exists():
            return
        relatives = {
            helper.name.casefold(): public_key for helper, public_key in self.api.book.with_keys()
        }
        if not relatives:
            return
        since = time.time() - MESSAGE_WINDOW_S
        for delivery in Outbox(self.profile_dir).recent(since):
            if delivery.key.startswith("sos:"):
                continue  # alarms go out as alarms, with their acknowledgement
            public_key = relatives.get(delivery.contact.casefold())
            if public_key is None:
                continue
            kid = key_id(public_key)
            if self.counters.note_sent(f"message:{delivery.key}:{kid}"):
                body = {"title": delivery.title, "body": delivery.body}
                self._send(kid, public_key, {"event": "message", "body": body})
