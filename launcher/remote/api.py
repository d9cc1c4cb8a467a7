"""The remote-help JSON API: requests in, responses out, no sockets and no Qt.

:class:`RemoteApi` answers one :class:`Request` at a time. The server calls it on the
launcher's UI thread (see :mod:`launcher.remote.server`), so a change it makes is saved
and shown before the next request is read. What the senior must see or answer (a pairing
to approve, a change announced, a message) goes through :class:`LauncherSide`, which the
shell implements.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from launcher.core.errors import LelingError

if TYPE_CHECKING:
    from launcher.core.alarm import Alarms, AlarmState
from launcher.core.helpers import (
    CODE_LIFETIME_S,
    Change,
    ChangeLog,
    Helper,
    HelperBook,
    PairingDesk,
    PairingError,
    PairingRequest,
)
from launcher.core.i18n import (
    LOCALE_NAMES,
    SUPPORTED_LOCALES,
    Translator,
    core_locales_dir,
    load_catalogues,
    pick_localized,
)
from launcher.core.instance import Instance
from launcher.core.schema import (
    SETTINGS_SCHEMA,
    Field,
    SchemaError,
    find_field,
    get_path,
    set_path,
    validate,
)

log = logging.getLogger("leling.remote")

#: Largest JSON body, and largest photo.
MAX_JSON_BYTES = 256 * 1024
MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_MESSAGE_CHARS = 500

#: Settings nobody may change from afar: the helper PIN guards leaving the shell, and
#: remote help itself is switched on and opened up only at the machine.
REMOTE_FORBIDDEN = ("helper_pin", "remote")

PHOTO_TYPES = {"image/jpeg": (b"\xff\xd8\xff", ".jpg"), "image/png": (b"\x89PNG\r\n\x1a\n", ".png")}


@dataclass
class Request:
    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    #: Header names in lower case.
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    #: More headers; a ``Cache-Control`` here replaces the default ``no-store``.
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: object) -> Response:
        return cls(status, json.dumps(data, ensure_ascii=False).encode("utf-8"))


class LauncherSide(Protocol):
    """What the shell does for the API, on the UI thread."""

    def ask_approval(self, request: PairingRequest) -> None:
        """Ask the senior "<name> wants to help you. Allow?"; answer with
        ``PairingDesk.decide``. While the senior is on a call the question waits for the
        call to end: put the request's id in ``RemoteApi.held_for_call`` until then."""

    def settings_changed(self, change: Change, announcement: str) -> None:
        """Apply the saved settings now, and tell the senior (on screen and aloud),
        with a one-tap Undo."""

    def show_message(self, who: str, text: str) -> None:
        """Show a relative's message big on the screen and read it aloud."""

    def plugin_message(
        self, plugin_id: str, sender: str, message: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        """Hand a relative's message to the plugin ``plugin_id`` (see
        ``Plugin.receive``): its answer, or None when no tile uses it or the plugin is not
        available. A ValueError says what is wrong with the message."""

    def alarm_acknowledged(self, who: str) -> None:
        """A relative has seen the SOS: tell the senior, big and aloud, that they come."""

    def helpers_changed(self) -> None:
        """Someone paired or stopped helping: refresh "People who can help me"."""

    def screen(self) -> str:
        """What the screen shows now (``home``, ``plugin:clock``…)."""

    def ask_screen_help(self, session: ScreenSession) -> None:
        """Ask the senior "<name> wants to see your screen. Allow?"; answer with
        ``ScreenSessions.decide``. Held during a call like :meth:`ask_approval`."""

    def screen_help_ended(self, session: ScreenSession) -> None:
        """Take the "<name> is helping you" banner away."""

    def frame(self) -> bytes:
        """The launcher's own window as a JPEG."""

    def tap(self, x: float, y: float) -> None:
        """Tap the window at (``x``, ``y``), fractions of its width and height."""


#: A screen-help session ends after this long without a tap from the relative...
SCREEN_IDLE_S = 15 * 60
#: ...or once their page has not asked for a picture for this long (they left).
SCREEN_GONE_S = 30


@dataclass
class ScreenSession:
    """One relative seeing and tapping the senior's screen, with the senior's consent."""

    id: str
    helper: Helper
    asked_at: float
    status: str = "waiting"  # waiting, active, declined, ended
    last_tap: float = 0.0
    last_seen: float = 0.0
    #: Why it ended: ``stopped`` (the senior), ``idle``, ``left`` (the relative).
    ended_because: str = ""

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"session": self.id, "status": self.status}
        if self.ended_because:
            body["ended_because"] = self.ended_because
        return body


class ScreenSessions:
    """Screen-help sessions: at most one active; every one needs the senior's Yes."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._sessions: dict[str, ScreenSession] = {}

    def ask(self, helper: Helper) -> ScreenSession:
        import secrets

        now = self.clock()
        session = ScreenSession(secrets.token_hex(8), helper, now, last_tap=now, last_seen=now)
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str, helper: Helper) -> ScreenSession | None:
        """The session, if it is this helper's (another helper cannot see it at all)."""
        session = self._sessions.get(session_id)
        if session is None or session.helper.id != helper.id:
            return None
        return session

    def decide(self, session_id: str, allow: bool) -> ScreenSession | None:
        session = self._sessions.get(session_id)
        if session is None or session.status != "waiting":
            return session
        session.status = "active" if allow else "declined"
        now = self.clock()
        session.last_tap = session.last_seen = now
        return session

    def active(self) -> ScreenSession | None:
        return next((s for s in self._sessions.values() if s.status == "active"), None)

    def end(self, session: ScreenSession, because: str) -> None:
        if session.status in ("waiting", "active"):
            session.status = "ended"
            session.ended_because = because

    def expire(self) -> list[ScreenSession]:
        """End sessions that went idle or whose relative left; returns those ended now."""
        now = self.clock()
        ended = []
        for session in self._sessions.values():
            if session.status != "active":
                continue
            if now - session.last_tap > SCREEN_IDLE_S:
                self.end(session, "idle")
                ended.append(session)
            elif now - session.last_seen > SCREEN_GONE_S:
                self.end(session, "left")
                ended.append(session)
        return ended


class ApiError(Exception):
    def __init__(self, status: int, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.status = status
        self.body: dict[str, Any] = {"error": error, **extra}


Handler = Callable[["Call"], Response]


@dataclass
class Call:
    """One request being answered: who asks, in which language."""

    request: Request
    params: dict[str, str]
    helper: Helper | None
    tr: Callable[..., str]
    locale: str
    #: When the relative sent it (unix seconds), for a request that came through a
    #: broker: it may have waited there while the launcher was off.
    sent_at: float | None = None

    def json_body(self) -> dict[str, Any]:
        content_type = self.request.headers.get("content-type", "").split(";")[0].strip()
        if content_type != "application/json":
            raise ApiError(415, self.tr("remote.error.json"))
        if len(self.request.body) > MAX_JSON_BYTES:
            raise ApiError(413, self.tr("remote.error.too_large"))
        try:
            data = json.loads(self.request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, self.tr("remote.error.json")) from None
        if not isinstance(data, dict):
            raise ApiError(400, self.tr("remote.error.json"))
        return data


class RemoteApi:
    """Answers API requests for one launcher instance."""

    def __init__(
        self,
        instance: Instance,
        launcher: LauncherSide,
        *,
        desk: PairingDesk | None = None,
    ) -> None:
        self.instance = instance
        self.launcher = launcher
        self.book = HelperBook(instance.profile_dir)
        self.desk = desk or PairingDesk(self.book)
        self.changes = ChangeLog(instance.profile_dir)
        self.screens = ScreenSessions(self.desk.clock)
        #: Pairing requests and screen-help sessions, by id, that the senior will be
        #: asked about when their call ends; the relative's app is told why it waits.
        self.held_for_call: set[str] = set()
        self._status_now: dict[str, Any] = {}
        self.refresh_status()
        self._catalogues: dict[str, dict[str, str]] | None = None
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        for method, pattern, handler, needs_token in (
            ("POST", r"/api/pair", self._pair, False),
            ("GET", r"/api/pair/(?P<request>[0-9a-f]{1,32})", self._pair_status, False),
            ("GET", r"/api/openapi\.json", self._openapi, False),
            ("GET", r"/api/status", self._status, True),
            ("GET", r"/api/schema", self._schema, True),
            ("GET", r"/api/settings", self._settings, True),
            ("PATCH", r"/api/settings", self._change_settings, True),
            ("POST", r"/api/photos", self._add_photo, True),
            ("GET", r"/api/photos/(?P<name>[0-9a-f]{16}\.(?:jpg|png))", self._photo, True),
            ("POST", r"/api/message", self._message, True),
            ("GET", r"/api/alarms", self._alarms, True),
            ("POST", r"/api/alarms/(?P<alarm>[0-9a-f]{16})/ack", self._ack_in_app, True),
            ("GET", r"/api/ack/(?P<token>[A-Za-z0-9_-]{16,64})", self._ack_page, False),
            ("POST", r"/api/ack/(?P<token>[A-Za-z0-9_-]{16,64})", self._ack_by_link, False),
            ("POST", r"/api/plugins/(?P<plugin>[a-z][a-z0-9_-]{0,63})", self._plugin_message, True),
            ("GET", r"/api/changes", self._list_changes, True),
            ("POST", r"/api/changes/(?P<id>[0-9]{1,12})/undo", self._undo, True),
            ("GET", r"/api/helpers", self._helpers, True),
            ("DELETE", r"/api/helpers/me", self._leave, True),
            ("POST", r"/api/screen", self._ask_screen, True),
            ("GET", r"/api/screen/(?P<session>[0-9a-f]{1,32})", self._screen_status, True),
            ("GET", r"/api/screen/(?P<session>[0-9a-f]{1,32})/frame", self._frame, True),
            ("POST", r"/api/screen/(?P<session>[0-9a-f]{1,32})/tap", self._tap, True),
            ("DELETE", r"/api/screen/(?P<session>[0-9a-f]{1,32})", self._leave_screen, True),
        ):
            self._routes.append((method, re.compile(pattern), handler, needs_token))

    # -- languages ------------------------------------------------------------------------

    def translator(self, locale: str) -> Translator:
        if self._catalogues is None:
            self._catalogues = load_catalogues(core_locales_dir())
        return Translator(self._catalogues, locale)

    def _locale_of(self, request: Request) -> str:
        asked = request.query.get("lang", "")
        if asked in SUPPORTED_LOCALES:
            return asked
        for part in request.headers.get("accept-language", "").split(","):
            tag = part.split(";")[0].strip().replace("-", "_")
            if tag in SUPPORTED_LOCALES:
                return tag
            if tag.lower() in ("zh_hk", "zh_tw", "zh_mo", "zh_hant", "yue"):
                return "zh_HK"
            language = tag.split("_")[0].lower()
            if language == "zh":
                return "zh_CN"
            if language in ("en", "ug"):
                return language
        return "en"

    # -- dispatch -------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """The response to ``request``; never raises."""
        locale = self._locale_of(request)
        tr = self.translator(locale).tr
        try:
            return self._dispatch(request, locale, tr)
        except ApiError as exc:
            return Response.json(exc.status, exc.body)
        except Exception:
            log.exception("remote request %s %s failed", request.method, request.path)
            return Response.json(500, {"error": tr("remote.error.internal")})

    def handle_as(
        self, helper: Helper, request: Request, *, sent_at: float | None = None
    ) -> Response:
        """The response to ``request`` from ``helper``, whose sealed message stands in
        for the token (a request through a broker); otherwise exactly as :meth:`handle`
        (site locks, settings nobody may change from afar). No browser is involved, so
        there is no origin to check. Never raises."""
        locale = self._locale_of(request)
        tr = self.translator(locale).tr
        try:
            return self._dispatch(request, locale, tr, as_helper=helper, sent_at=sent_at)
        except ApiError as exc:
            return Response.json(exc.status, exc.body)
        except Exception:
            log.exception("remote request %s %s failed", request.method, request.path)
            return Response.json(500, {"error": tr("remote.error.internal")})

    def _dispatch(
        self,
        request: Request,
        locale: str,
        tr: Callable[..., str],
        *,
        as_helper: Helper | None = None,
        sent_at: float | None = None,
    ) -> Response:
        allowed: list[str] = []
        for method, pattern, handler, needs_token in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            allowed.append(method)
            if method != request.method:
                continue
            helper = None
            if needs_token:
                helper = as_helper or self._authenticate(request, tr)
            if as_helper is None:
                self._check_origin(request, tr)
            return handler(Call(request, match.groupdict(), helper, tr, locale, sent_at))
        if allowed:
            raise ApiError(405, tr("remote.error.method"))
        raise ApiError(404, tr("remote.error.not_found"))

    def _authenticate(self, request: Request, tr: Callable[..., str]) -> Helper:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        helper = self.book.check(token.strip()) if scheme.lower() == "bearer" else None
        if helper is None:
            raise ApiError(401, tr("remote.error.token"))
        return helper

    @staticmethod
    def _check_origin(request: Request, tr: Callable[..., str]) -> None:
        # A page on another site may make a browser send requests here. Those that change
        # something must come from the web app's own origin (browsers always say where
        # from on such requests); JSON bodies also force a CORS preflight we never allow.
        if request.method in ("GET", "HEAD"):
            return
        origin = request.headers.get("origin")
        if origin is None:
            return  # not a browser (the CLI, a script): the token still decides
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise ApiError(403, tr("remote.error.origin"))

    # -- pairing --------------------------------------------------------------------------

    def _pair(self, call: Call) -> Response:
        body = call.json_body()
        unknown = set(body) - {"code", "name"}
        if unknown:
            raise ApiError(400, call.tr("remote.error.fields"), fields={k: "" for k in unknown})
        try:
            request, claim = self.desk.ask(body.get("code"), body.get("name"))
        except PairingError as exc:
            if exc.reason == "locked":
                raise ApiError(
                    423, call.tr("remote.error.locked"), retry_after=exc.retry_after
                ) from None
            key = "remote.error.no_code" if exc.reason == "no-code" else "remote.error.code"
            raise ApiError(403, call.tr(key), tries_left=exc.tries_left) from None
        except LelingError:
            raise ApiError(
                400, call.tr("remote.error.name"), fields={"name": call.tr("remote.error.name")}
            ) from None
        self.launcher.ask_approval(request)
        # Whose screen asks, so the waiting page can say "Waiting for <name> to say yes".
        senior = str(self.instance.settings["senior"]["name"] or "")
        answer: dict[str, Any] = {
            "request": request.id,
            "claim": claim,
            "expires_in": CODE_LIFETIME_S,
            "senior": senior,
        }
        return Response.json(202, self._held_words(answer, request.id, call.tr))

    def _held_words(
        self, body: dict[str, Any], item_id: str, tr: Callable[..., str]
    ) -> dict[str, Any]:
        """``body``, saying why it waits when the senior is on a call (``waiting_for``,
        and a sentence for the relative in ``message``)."""
        if item_id in self.held_for_call:
            body["waiting_for"] = "call"
            body["message"] = tr("safety.pair.on_call")
        return body

    def _pair_status(self, call: Call) -> Response:
        request = self.desk.collect(call.params["request"], call.request.query.get("claim", ""))
        if request is None:
            raise ApiError(404, call.tr("remote.error.not_found"))
        body: dict[str, Any] = {"status": request.status}
        if request.helper is not None:
            body["helper"] = request.helper.to_json()
        if request.token is not None:
            body["token"] = request.token
            self.launcher.helpers_changed()
        if request.status == "waiting":
            self._held_words(body, request.id, call.tr)
        return Response.json(200, body)

    def _openapi(self, call: Call) -> Response:
        from launcher.remote.openapi import document

        return Response.json(200, document())

    # -- reading --------------------------------------------------------------------------

    def revision(self) -> int:
        revisions = self.instance.store.revisions()
        return revisions[-1].number if revisions else 0

    def visible_settings(self) -> dict[str, Any]:
        shown = copy.deepcopy(self.instance.settings)
        for key in REMOTE_FORBIDDEN:
            shown.pop(key, None)
        return shown

    def _state(
        self, change: Change | None = None, tr: Callable[..., str] | None = None
    ) -> dict[str, Any]:
        state: dict[str, Any] = {"revision": self.revision(), "settings": self.visible_settings()}
        if change is not None:
            state["change"] = self.change_json(change, tr or self.translator("en").tr)
        return state

    def refresh_status(self) -> None:
        """Note what ``GET /api/status`` reports; the shell calls this on the UI thread
        whenever the screen or the settings change."""
        self._status_now = {
            "senior": str(self.instance.settings.get("senior", {}).get("name", "")),
            "screen": self.launcher.screen(),
            "revision": self.revision(),
            "locale": self.instance.effective_locale(),
        }

    def _status(self, call: Call) -> Response:
        assert call.helper is not None
        # Alarms are read each time (SQLite is safe on this thread): an SOS must show on
        # the relative's phone at their next poll, whatever the screen does.
        alarms = len(self._active_alarms())
        return Response.json(
            200, {"helper": call.helper.to_json(), **self._status_now, "alarms": alarms}
        )

    def answer_here(self, request: Request) -> Response | None:
        """The answer to ``request`` if it can be given on the calling thread (the
        server's): the status a phone polls, from what :meth:`refresh_status` noted.
        None: it must be answered on the UI thread with :meth:`handle`."""
        if request.method != "GET" or request.path != "/api/status":
            return None
        return self.handle(request)

    def _settings(self, call: Call) -> Response:
        return Response.json(200, self._state())

    def _schema(self, call: Call) -> Response:
        locale, tr = call.locale, call.tr
        fields = [
            self.field_json(spec, spec.key, tr, locale, spec.key)
            for spec in SETTINGS_SCHEMA
            if spec.key not in REMOTE_FORBIDDEN
        ]
        plugins = []
        for plugin_id in self.instance.registry.ids():
            manifest = self.instance.registry.get(plugin_id)
            if manifest is None:
                continue
            plugins.append(
                {
                    "id": manifest.id,
                    "name": manifest.name(locale),
                    "description": manifest.description(locale),
                    "config": [
                        self.field_json(spec, spec.key, tr, locale) for spec in manifest.config
                    ],
                }
            )
        themes = []
        for theme_id in sorted(self.instance.theme_files()):
            themes.append({"id": theme_id, "name": self._theme_name(theme_id, locale)})
        locales = [{"id": code, "name": LOCALE_NAMES[code]} for code in SUPPORTED_LOCALES]
        return Response.json(
            200, {"settings": fields, "plugins": plugins, "themes": themes, "locales": locales}
        )

    def _theme_name(self, theme_id: str, locale: str) -> str:
        from launcher.core.theme import load_theme

        try:
            return load_theme(self.instance.theme_files()[theme_id]).name(locale)
        except LelingError:
            return theme_id

    def field_json(
        self, spec: Field, key: str, tr: Callable[..., str], locale: str, path: str = ""
    ) -> dict[str, Any]:
        """One field for a form. ``path``: its dotted settings key, for a setting (not a
        plugin's config), so a key the site locks is marked ``locked``."""
        title = pick_localized(spec.titles, locale) if spec.titles else ""
        if not title and spec.title_key:
            title = tr(spec.title_key)
        data: dict[str, Any] = {"key": key, "kind": spec.kind, "title": title or spec.key}
        if spec.kind != "object":
            data["default"] = spec.default_value()
        if spec.choices:
            data["choices"] = list(spec.choices)
            titles = {c: tr(f"{spec.title_key}.{c}") for c in spec.choices if spec.title_key}
            data["choice_titles"] = {c: t for c, t in titles.items() if not t.startswith("field.")}
        for name in ("minimum", "maximum", "max_length"):
            value = getattr(spec, name)
            if value is not None:
                data[name] = value
        if spec.pattern:
            data["pattern"] = spec.pattern
        if spec.item_kind:
            data["item_kind"] = spec.item_kind
        if path and self.instance.site.lock_for(path) is not None:
            data["locked"] = True
        if spec.children:
            inside = f"{path}." if path and spec.kind == "object" else ""
            data["children"] = [
                self.field_json(child, child.key, tr, locale, inside + child.key if inside else "")
                for child in spec.children
            ]
        return data

    def _photo(self, call: Call) -> Response:
        name = call.params["name"]
        path = self.instance.profile_dir / "photos" / name
        if not path.is_file():
            raise ApiError(404, call.tr("remote.error.not_found"))
        kind = "image/png" if name.endswith(".png") else "image/jpeg"
        return Response(200, path.read_bytes(), kind)

    def _list_changes(self, call: Call) -> Response:
        return Response.json(
            200, {"changes": [self.change_json(c, call.tr) for c in self.changes.recent()]}
        )

    def _helpers(self, call: Call) -> Response:
        return Response.json(200, {"helpers": [h.to_json() for h in self.book.helpers()]})

    # -- changing -------------------------------------------------------------------------

    def _change_settings(self, call: Call) -> Response:
        assert call.helper is not None
        body = call.json_body()
        changes = body.get("changes")
        if set(body) != {"changes"} or not isinstance(changes, dict) or not changes:
            raise ApiError(400, call.tr("remote.error.changes"))
        change = self.apply_changes(changes, call.helper, call.tr, sent_at=call.sent_at)
        return Response.json(200, self._state(change, call.tr))

    def changed_since(self, sent_at: float, helper: Helper) -> bool:
        """Whether someone else saved the settings after ``sent_at`` (unix seconds): a
        change sent then comes in late. It still wins; the senior is told."""
        import datetime as dt

        own = f"{helper.name} (remote help)"
        for revision in reversed(self.instance.store.revisions()):
            try:
                saved_at = dt.datetime.fromisoformat(revision.at).timestamp()
            except ValueError:
                continue
            if saved_at <= sent_at:
                return False
            if not revision.reason.startswith(own):
                return True
        return False

    def apply_changes(
        self,
        changes: Mapping[str, Any],
        helper: Helper,
        tr: Callable[..., str],
        *,
        sent_at: float | None = None,
    ) -> Change:
        """Validate every change, then save them as one; raises ApiError naming each
        bad field in ``tr``'s language. Nothing is saved unless all of them are good.
        ``sent_at``: when a change that waited at a broker was sent; if the settings were
        saved by someone else since, it still wins and the senior hears it came late
        (what it replaced stays in the change log, with its Undo)."""
        problems: dict[str, str] = {}
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if not isinstance(key, str) or key.split(".")[0] in REMOTE_FORBIDDEN:
                raise ApiError(403, tr("remote.error.forbidden", key=str(key)))
            if self.instance.site.lock_for(key) is not None:
                raise ApiError(403, tr("remote.error.site_locked", key=key))
            try:
                spec = find_field(SETTINGS_SCHEMA, key)
                clean[key] = value if spec.kind == "any" else validate(spec, value, key)
            except SchemaError as exc:
                # A whole list is sent as one key; name the item's field that is wrong
                # (contacts.3.phone), so the form can mark that field and not the list.
                where = exc.where if exc.where.startswith(f"{key}.") else key
                problems[where] = self.schema_message(exc, tr)
        if problems:
            raise ApiError(400, tr("remote.error.invalid"), fields=problems)
        late = sent_at is not None and self.changed_since(sent_at, helper)
        store = self.instance.store
        updated = copy.deepcopy(store.settings)
        before: dict[str, Any] = {}
        for key, value in clean.items():
            try:
                before[key] = copy.deepcopy(get_path(updated, key))
            except SchemaError:
                before[key] = None
            try:
                set_path(updated, key, value)
            except SchemaError as exc:
                raise ApiError(
                    400, tr("remote.error.invalid"), fields={key: self.schema_message(exc, tr)}
                ) from None
        try:
            store.save(updated, f"{helper.name} (remote help) changed {', '.join(clean)}")
        except SchemaError as exc:
            where = exc.where or next(iter(clean))
            raise ApiError(
                400, tr("remote.error.invalid"), fields={where: self.schema_message(exc, tr)}
            ) from None
        after = {key: copy.deepcopy(get_path(store.settings, key)) for key in clean}
        change = self.changes.add(helper.name, helper.id, before, after)
        senior_tr = self.translator(self.instance.effective_locale()).tr
        announcement = self.summary(change, senior_tr)
        if late:
            announcement = senior_tr(
                "remote.changed.late", who=change.who, what=self.what(change, senior_tr)
            )
        self.launcher.settings_changed(change, announcement)
        return change

    def undo(self, change_id: int, who: str, tr: Callable[..., str]) -> Change:
        """Put back what change ``change_id`` replaced, unless those settings changed
        again since (ApiError 409) or it was undone already."""
        change = self.changes.get(change_id)
        if change is None:
            raise ApiError(404, tr("remote.error.not_found"))
        if change.undone:
            raise ApiError(409, tr("remote.error.undone"))
        store = self.instance.store
        updated = copy.deepcopy(store.settings)
        for key, value in change.after.items():
            try:
                current = get_path(updated, key)
            except SchemaError:
                current = None
            if current != value:
                raise ApiError(409, tr("remote.error.changed_since"))
        for key, value in change.before.items():
            if value is not None:
                set_path(updated, key, copy.deepcopy(value))
        store.save(updated, f"{who} undid the change of {', '.join(change.keys)}")
        self.changes.mark_undone(change.id, who)
        undone = self.changes.get(change.id)
        assert undone is not None
        return undone

    def _undo(self, call: Call) -> Response:
        assert call.helper is not None
        undone = self.undo(int(call.params["id"]), call.helper.name, call.tr)
        senior_tr = self.translator(self.instance.effective_locale()).tr
        announcement = senior_tr(
            "remote.undone", who=call.helper.name, what=self.what(undone, senior_tr)
        )
        self.launcher.settings_changed(undone, announcement)
        return Response.json(200, self._state(undone, call.tr))

    def _add_photo(self, call: Call) -> Response:
        kind = call.request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in PHOTO_TYPES:
            raise ApiError(415, call.tr("remote.error.photo_type"))
        data = call.request.body
        if len(data) > MAX_PHOTO_BYTES:
            raise ApiError(413, call.tr("remote.error.photo_size"))
        magic, suffix = PHOTO_TYPES[kind]
        if not data.startswith(magic):
            raise ApiError(400, call.tr("remote.error.photo_type"))
        folder = self.instance.profile_dir / "photos"
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(data).hexdigest()[:16] + suffix
        path = folder / name
        if not path.exists():
            temporary = path.with_suffix(".part")
            temporary.write_bytes(data)
            temporary.replace(path)
        return Response.json(201, {"photo": f"photos/{name}"})

    def _message(self, call: Call) -> Response:
        assert call.helper is not None
        body = call.json_body()
        text = body.get("text")
        if set(body) != {"text"} or not isinstance(text, str) or not text.strip():
            raise ApiError(
                400,
                call.tr("remote.error.message"),
                fields={"text": call.tr("remote.error.message")},
            )
        if len(text) > MAX_MESSAGE_CHARS:
            raise ApiError(
                400,
                call.tr("remote.error.message_long", maximum=MAX_MESSAGE_CHARS),
                fields={"text": call.tr("remote.error.message_long", maximum=MAX_MESSAGE_CHARS)},
            )
        self.launcher.show_message(call.helper.name, text.strip())
        return Response.json(202, {"shown": True})

    def _plugin_message(self, call: Call) -> Response:
        assert call.helper is not None
        plugin_id = call.params["plugin"]
        manifest = self.instance.registry.get(plugin_id)
        if manifest is None or "messages" not in manifest.permissions:
            raise ApiError(404, call.tr("remote.error.no_plugin", plugin=plugin_id))
        if not any(
            tile.get("plugin") == plugin_id for tile in self.instance.settings.get("tiles", [])
        ):
            raise ApiError(404, call.tr("remote.error.no_plugin", plugin=plugin_id))
        message = call.json_body()
        try:
            answer = self.launcher.plugin_message(plugin_id, call.helper.name, message)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        if answer is None:
            raise ApiError(503, call.tr("remote.error.plugin_unavailable", plugin=plugin_id))
        return Response.json(200, dict(answer))

    # -- SOS acknowledgements ---------------------------------------------------------------

    def alarms(self) -> Alarms:
        from launcher.core.alarm import profile_alarms

        return profile_alarms(self.instance.profile_dir)

    def _active_alarms(self) -> list[AlarmState]:
        from launcher.core.alarm import ALARMS_FILE

        if not (self.instance.profile_dir / ALARMS_FILE).exists():
            return []
        return list(self.alarms().active())

    @staticmethod
    def alarm_id(state: AlarmState) -> str:
        return hashlib.sha256(state.key.encode("utf-8")).hexdigest()[:16]

    def _alarms(self, call: Call) -> Response:
        alarms = [
            {
                "id": self.alarm_id(state),
                "raised": state.raised,
                "title": state.title,
                "body": state.body,
                "round": state.step + 1,
            }
            for state in self._active_alarms()
        ]
        return Response.json(200, {"alarms": alarms})

    def _acknowledged(self, state: AlarmState, who: str) -> AlarmState:
        first = not state.acknowledged
        done = self.alarms().acknowledge(state.key, who) or state
        if first and done.acknowledged_by == who:
            self.launcher.alarm_acknowledged(who)
            self.refresh_status()
        return done

    def _ack_in_app(self, call: Call) -> Response:
        assert call.helper is not None
        found = next(
            (s for s in self._active_alarms() if self.alarm_id(s) == call.params["alarm"]), None
        )
        if found is None:
            raise ApiError(404, call.tr("remote.ack.gone"))
        done = self._acknowledged(found, call.helper.name)
        return Response.json(200, {"acknowledged_by": done.acknowledged_by})

    def _ack_link(self, call: Call) -> tuple[AlarmState, str]:
        from launcher.core.alarm import ALARMS_FILE

        found = None
        if (self.instance.profile_dir / ALARMS_FILE).exists():
            found = self.alarms().link(call.params["token"])
        if found is None:
            raise ApiError(404, call.tr("remote.ack.gone"))
        return found

    def _ack_page(self, call: Call) -> Response:
        # GET only shows the alarm: link previews in chat apps and mail scanners open
        # links by themselves, and must not say "I'm coming" for anyone.
        state, who = self._ack_link(call)
        tr = call.tr
        if state.acknowledged:
            said = tr("remote.ack.already", name=state.acknowledged_by, at=state.acknowledged_at)
            return ack_html(call.locale, state.title, [state.body, said], None)
        return ack_html(call.locale, state.title, [state.body], tr("remote.ack.button", name=who))

    def _ack_by_link(self, call: Call) -> Response:
        state, who = self._ack_link(call)
        done = self._acknowledged(state, who)
        tr = call.tr
        if done.acknowledged_by == who:
            said = tr("remote.ack.thanks", senior=self._status_now.get("senior") or "")
        else:
            said = tr("remote.ack.already", name=done.acknowledged_by, at=done.acknowledged_at)
        return ack_html(call.locale, done.title, [said], None)

    def _leave(self, call: Call) -> Response:
        assert call.helper is not None
        self.book.revoke(call.helper.id)
        self.launcher.helpers_changed()
        return Response(204)

    # -- screen help ----------------------------------------------------------------------

    def _ask_screen(self, call: Call) -> Response:
        assert call.helper is not None
        if call.request.body:
            call.json_body()  # a body, if any, must still be JSON: no cross-site forms
        session = self.screens.ask(call.helper)
        self.launcher.ask_screen_help(session)
        return Response.json(202, self._held_words(session.to_json(), session.id, call.tr))

    def _session(self, call: Call) -> ScreenSession:
        assert call.helper is not None
        for ended in self.screens.expire():
            self.launcher.screen_help_ended(ended)
        session = self.screens.get(call.params["session"], call.helper)
        if session is None:
            raise ApiError(404, call.tr("remote.error.not_found"))
        return session

    def _screen_status(self, call: Call) -> Response:
        session = self._session(call)
        body = session.to_json()
        if session.status == "waiting":
            self._held_words(body, session.id, call.tr)
        return Response.json(200, body)

    def _frame(self, call: Call) -> Response:
        session = self._session(call)
        if session.status != "active":
            raise ApiError(409, call.tr("remote.error.screen_off"))
        session.last_seen = self.screens.clock()
        return Response(200, self.launcher.frame(), "image/jpeg")

    def _tap(self, call: Call) -> Response:
        session = self._session(call)
        if session.status != "active":
            raise ApiError(409, call.tr("remote.error.screen_off"))
        body = call.json_body()
        x, y = body.get("x"), body.get("y")
        if (
            set(body) != {"x", "y"}
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y))
            or not (0 <= float(x) <= 1 and 0 <= float(y) <= 1)  # type: ignore[arg-type]
        ):
            raise ApiError(400, call.tr("remote.error.tap"))
        now = self.screens.clock()
        session.last_tap = session.last_seen = now
        self.launcher.tap(float(x), float(y))  # type: ignore[arg-type]
        return Response.json(200, session.to_json())

    def _leave_screen(self, call: Call) -> Response:
        session = self._session(call)
        was_active = session.status == "active"
        was_waiting = session.status == "waiting"
        self.screens.end(session, "left")
        if was_active or was_waiting:
            self.launcher.screen_help_ended(session)
        return Response(204)

    # -- words ----------------------------------------------------------------------------

    @staticmethod
    def schema_message(exc: SchemaError, tr: Callable[..., str]) -> str:
        text = tr(f"error.{exc.code}", **exc.params)
        return text if not text.startswith("error.") else str(exc)

    def what(self, change: Change, tr: Callable[..., str]) -> str:
        """The changed settings' names, e.g. "text size" or "contacts"."""
        names: list[str] = []
        for key in change.keys:
            top = key.split(".")[0]
            title = tr(f"remote.what.{top}")
            if title.startswith("remote.what."):
                try:
                    spec = find_field(SETTINGS_SCHEMA, top)
                except SchemaError:
                    continue
                title = tr(spec.title_key) if spec.title_key else spec.key
            if title not in names:
                names.append(title)
        separator = "、" if tr("remote.list_separator") == "、" else ", "
        return separator.join(names) or ", ".join(change.keys)

    def summary(self, change: Change, tr: Callable[..., str]) -> str:
        """One sentence: "Li Hua changed your text size"."""
        return tr("remote.changed", who=change.who, what=self.what(change, tr))

    def change_json(self, change: Change, tr: Callable[..., str]) -> dict[str, Any]:
        return {
            "id": change.id,
            "who": change.who,
            "when": change.at,
            "summary": self.summary(change, tr),
            "keys": change.keys,
            "before": change.before,
            "after": change.after,
            "undone": change.undone,
        }


def ack_html(locale: str, title: str, paragraphs: list[str], button: str | None) -> Response:
    """The page an SOS acknowledgement link opens: what happened, and one big button
    that posts back to the same address. Plain HTML, no script, the web app's styles."""
    direction = "rtl" if locale == "ug" else "ltr"
    lang = locale.replace("_", "-")
    text = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    form = (
        f'<form method="post"><button class="button danger wide" type="submit">'
        f"{html.escape(button)}</button></form>"
        if button
        else ""
    )
    page = (
        f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f'<link rel="stylesheet" href="/app.css"><title>{html.escape(title)}</title></head>'
        f'<body><main class="ack"><h1>{html.escape(title)}</h1>{text}{form}</main></body></html>'
    )
    return Response(200, page.encode("utf-8"), "text/html; charset=utf-8")
