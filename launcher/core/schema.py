"""One declarative schema for settings and for plugin config fields.

A :class:`Field` describes one value: its type, default, bounds and title. The profile
settings are a tree of fields (:data:`SETTINGS_SCHEMA`); each plugin manifest declares
its own config fields the same way, so one validator serves both, and the same schema
renders forms and documentation.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from launcher.core.errors import LelingError

FIELD_KINDS = ("bool", "int", "float", "str", "choice", "list", "object", "localized")


class SchemaError(LelingError):
    """A value does not fit its field; the message names the field and the value.

    ``where`` is the dotted key, ``code`` what kind of problem it is and ``params`` its
    numbers, so a form can say it beside the field in the reader's language
    (catalogue key ``error.<code>``).
    """

    def __init__(self, message: str, *, where: str = "", code: str = "invalid", **params: Any):
        super().__init__(message)
        self.where = where
        self.code = code
        self.params = params


def _fail(where: str, code: str, message: str, **params: Any) -> SchemaError:
    return SchemaError(f"{where}: {message}", where=where, code=code, **params)


@dataclass(frozen=True)
class Field:
    """One setting or plugin config value."""

    key: str
    kind: str
    default: Any = None
    titles: Mapping[str, str] = field(default_factory=dict)
    title_key: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    pattern: str = ""
    max_length: int | None = None
    #: For ``object`` fields, and for ``list`` fields whose items are objects.
    children: tuple[Field, ...] = ()
    #: For ``list`` fields: the kind of each item (``object`` uses ``children``).
    item_kind: str = ""

    def child(self, key: str) -> Field | None:
        for child in self.children:
            if child.key == key:
                return child
        return None

    def default_value(self) -> Any:
        if self.kind == "object":
            return {child.key: child.default_value() for child in self.children}
        return copy.deepcopy(self.default)


def _type_name(value: object) -> str:
    return {
        bool: "true/false",
        int: "a whole number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "an object",
        type(None): "nothing (null)",
    }.get(type(value), type(value).__name__)


def validate(spec: Field, value: Any, where: str) -> Any:
    """Check ``value`` against ``spec``; return it (normalised) or raise SchemaError.

    ``where`` is the full dotted name used in the message, e.g. ``tiles.2.plugin``.
    """
    kind = spec.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise _fail(where, "bool", f"expected true or false, got {_type_name(value)}")
        return value
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(where, "number", f"expected a number, got {_type_name(value)}")
        if kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise _fail(where, "whole", f"expected a whole number, got {value}")
            value = int(value)
        else:
            value = float(value)
        if spec.choices and str(value) not in spec.choices:
            raise _fail(where, "choice", f"{value} is not one of {', '.join(spec.choices)}")
        if spec.minimum is not None and value < spec.minimum:
            raise _fail(
                where,
                "minimum",
                f"{value} is below the minimum {_num(spec.minimum)}",
                minimum=_num(spec.minimum),
            )
        if spec.maximum is not None and value > spec.maximum:
            raise _fail(
                where,
                "maximum",
                f"{value} is above the maximum {_num(spec.maximum)}",
                maximum=_num(spec.maximum),
            )
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise _fail(where, "text", f"expected text, got {_type_name(value)}")
        if spec.max_length is not None and len(value) > spec.max_length:
            raise _fail(
                where,
                "too_long",
                f"longer than {spec.max_length} characters",
                max_length=spec.max_length,
            )
        if spec.pattern and value and not re.fullmatch(spec.pattern, value):
            raise _fail(where, "form", f"{value!r} is not in the expected form")
        return value
    if kind == "choice":
        if value not in spec.choices:
            raise _fail(
                where,
                "choice",
                f"{value!r} is not one of {', '.join(repr(c) for c in spec.choices)}",
            )
        return value
    if kind == "localized":
        # Either plain text, or a table of text per locale ({"zh_CN": "…", "en": "…"}).
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return dict(value)
        raise _fail(where, "text", "expected text or a table of text per language")
    if kind == "object":
        if not isinstance(value, dict):
            raise _fail(where, "object", f"expected an object, got {_type_name(value)}")
        return validate_object(spec.children, value, where, allow_extra=not spec.children)
    if kind == "list":
        if not isinstance(value, list):
            raise _fail(where, "list", f"expected a list, got {_type_name(value)}")
        item_spec = _item_spec(spec)
        items = [validate(item_spec, item, f"{where}.{index}") for index, item in enumerate(value)]
        if spec.maximum is not None and len(items) > spec.maximum:
            raise _fail(
                where, "too_many", f"at most {_num(spec.maximum)} items", maximum=_num(spec.maximum)
            )
        return items
    raise SchemaError(f"{where}: unknown field type {kind!r}")


def _item_spec(spec: Field) -> Field:
    """How each item of a list field is checked; a list of text checks each item
    against the list's pattern and length."""
    item_kind = spec.item_kind or "str"
    text = item_kind == "str"
    return Field(
        key="",
        kind=item_kind,
        children=spec.children,
        pattern=spec.pattern if text else "",
        max_length=spec.max_length if text else None,
    )


def validate_items(spec: Field, items: list[Any], where: str) -> tuple[list[Any], list[str]]:
    """The good items of a list field, and one sentence per item left out. The count
    limit still applies to what is kept."""
    item_spec = _item_spec(spec)
    kept: list[Any] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        try:
            kept.append(validate(item_spec, item, f"{where}.{index}"))
        except SchemaError as exc:
            problems.append(str(exc))
    if spec.maximum is not None and len(kept) > spec.maximum:
        problems.append(f"{where}: more than {_num(spec.maximum)} items; the rest are left out")
        kept = kept[: int(spec.maximum)]
    return kept, problems


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def validate_object(
    children: Sequence[Field], value: Mapping[str, Any], where: str, *, allow_extra: bool = False
) -> dict[str, Any]:
    """Validate an object field by field; missing keys take their defaults."""
    result: dict[str, Any] = {}
    known = {child.key: child for child in children}
    for key, item in value.items():
        child = known.get(key)
        name = f"{where}.{key}" if where else key
        if child is None:
            if allow_extra:
                result[key] = copy.deepcopy(item)
                continue
            raise _fail(name, "unknown", "no such setting")
        result[key] = validate(child, item, name)
    for key, child in known.items():
        if key not in result:
            result[key] = child.default_value()
    return result


def validate_leniently(
    children: Sequence[Field], value: Mapping[str, Any], where: str = ""
) -> tuple[dict[str, Any], list[str]]:
    """Like :func:`validate_object`, but a bad or unknown key falls back to its default.

    Returns the cleaned object and one sentence per key that was reset or dropped, so a
    damaged file still boots and the helper is told what was put right.
    """
    result: dict[str, Any] = {}
    problems: list[str] = []
    known = {child.key: child for child in children}
    for key, item in value.items():
        name = f"{where}.{key}" if where else key
        child = known.get(key)
        if child is None:
            problems.append(f"{name}: no such setting; ignored")
            continue
        if child.kind == "object" and child.children and isinstance(item, dict):
            result[key], inner = validate_leniently(child.children, item, name)
            problems.extend(inner)
            continue
        try:
            result[key] = validate(child, item, name)
        except SchemaError as exc:
            problems.append(f"{exc}; using the default")
            result[key] = child.default_value()
    for key, child in known.items():
        if key not in result:
            result[key] = child.default_value()
    return result, problems


def find_field(children: Sequence[Field], dotted: str) -> Field:
    """The field at a dotted key such as ``grid.columns`` or ``tiles.0.plugin``."""
    parts = dotted.split(".")
    current: Field | None = None
    fields: Sequence[Field] = children
    for index, part in enumerate(parts):
        if current is not None and current.kind == "list":
            if not part.isdigit():
                raise SchemaError(f"{dotted}: {'.'.join(parts[:index])} is a list; use a number")
            current = Field(key=part, kind=current.item_kind or "str", children=current.children)
            fields = current.children
            continue
        match = next((f for f in fields if f.key == part), None)
        if match is None:
            if current is not None and current.kind == "object" and not current.children:
                return Field(key=part, kind="any")
            raise _fail(dotted, "unknown", "no such setting")
        current = match
        fields = match.children
    assert current is not None
    return current


def get_path(tree: Any, dotted: str) -> Any:
    """Read a dotted key from nested dicts and lists."""
    current = tree
    for part in dotted.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            raise _fail(dotted, "unknown", "no such setting")
    return current


def set_path(tree: dict[str, Any], dotted: str, value: Any) -> None:
    """Write a dotted key into nested dicts and lists (which must already exist)."""
    parts = dotted.split(".")
    current: Any = tree
    for part in parts[:-1]:
        if isinstance(current, dict):
            current = current.setdefault(part, {})
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            raise _fail(dotted, "unknown", "no such setting")
    last = parts[-1]
    if isinstance(current, dict):
        current[last] = value
    elif isinstance(current, list) and last.isdigit() and int(last) <= len(current):
        if int(last) == len(current):
            current.append(value)
        else:
            current[int(last)] = value
    else:
        raise _fail(dotted, "unknown", "no such setting")


TILE_FIELDS = (
    Field("plugin", "str", "", title_key="field.tile.plugin", pattern=r"[a-z][a-z0-9_-]*"),
    Field("label", "localized", "", title_key="field.tile.label"),
    Field("config", "object", {}, title_key="field.tile.config"),
)

CONTACT_FIELDS = (
    Field("name", "str", "", title_key="field.contact.name", max_length=60),
    Field("relation", "localized", "", title_key="field.contact.relation"),
    Field("phone", "str", "", title_key="field.contact.phone", pattern=r"[0-9+*#() -]{0,32}"),
    Field("photo", "str", "", title_key="field.contact.photo"),
    Field("emergency", "bool", False, title_key="field.contact.emergency"),
    # Who an SOS reaches first: circle 1, then 2, then 3 when nobody acknowledges.
    Field("circle", "int", 1, title_key="field.contact.circle", minimum=1, maximum=3),
    # Apprise URLs: mailto://, json://, ntfy://, wecombot://, dingtalk://, mqtt://…
    Field(
        "alerts",
        "list",
        [],
        title_key="field.contact.alerts",
        item_kind="str",
        maximum=5,
    ),
    # How a video call reaches them: a Jitsi room (default), a SIP address, or a link
    # (WeChat, WhatsApp…) opened as it is.
    Field(
        "video",
        "choice",
        "jitsi",
        title_key="field.contact.video",
        choices=("jitsi", "sip", "link", "none"),
    ),
    Field("video_address", "str", "", title_key="field.contact.video_address", max_length=500),
)

#: Text size presets, in percent of the theme's base size.
TEXT_SCALES = ("100", "125", "150", "200")

#: The profile settings, version :data:`SETTINGS_VERSION`.
SETTINGS_SCHEMA: tuple[Field, ...] = (
    Field(
        "locale",
        "choice",
        "auto",
        title_key="field.locale",
        choices=("auto", "zh_CN", "zh_HK", "en", "ug"),
    ),
    Field("theme", "str", "warm", title_key="field.theme", pattern=r"[a-z0-9_-]+"),
    Field("text_scale", "int", 100, title_key="field.text_scale", choices=TEXT_SCALES),
    Field(
        "senior",
        "object",
        title_key="field.senior",
        children=(
            Field("name", "str", "", title_key="field.senior.name", max_length=60),
            Field("address", "str", "", title_key="field.senior.address", max_length=200),
            # Read out in an SOS: allergies, conditions, medicines a paramedic must know.
            Field("medical", "str", "", title_key="field.senior.medical", max_length=500),
            # A picture for the start screen of a shared machine: a file in the profile.
            Field(
                "photo",
                "str",
                "",
                title_key="field.senior.photo",
                pattern=r"[A-Za-z0-9_][A-Za-z0-9_./-]*",
                max_length=200,
            ),
            # "latitude,longitude" of the home, for a map link in an SOS.
            Field(
                "location",
                "str",
                "",
                title_key="field.senior.location",
                pattern=r"-?[0-9]{1,2}(\.[0-9]+)?, ?-?[0-9]{1,3}(\.[0-9]+)?",
            ),
        ),
    ),
    Field(
        "emergency",
        "object",
        title_key="field.emergency",
        children=(
            # 120 ambulance in mainland China; 999 Hong Kong; 112 Europe; 911 North America.
            Field(
                "number", "str", "120", title_key="field.emergency.number", pattern=r"[0-9]{2,6}"
            ),
            Field(
                "escalate_minutes",
                "int",
                5,
                title_key="field.emergency.escalate_minutes",
                minimum=1,
                maximum=60,
            ),
        ),
    ),
    Field(
        "screensaver",
        "object",
        title_key="field.screensaver",
        children=(
            Field("enabled", "bool", False, title_key="field.screensaver.enabled"),
            Field(
                "minutes", "int", 10, title_key="field.screensaver.minutes", minimum=1, maximum=120
            ),
        ),
    ),
    Field(
        "touch",
        "object",
        title_key="field.touch",
        children=(
            Field("hold_to_activate", "bool", False, title_key="field.touch.hold_to_activate"),
            Field(
                "hold_ms", "int", 800, title_key="field.touch.hold_ms", minimum=300, maximum=3000
            ),
        ),
    ),
    Field(
        "scan",
        "object",
        title_key="field.scan",
        children=(
            Field("enabled", "bool", False, title_key="field.scan.enabled"),
            Field(
                "step_ms",
                "int",
                1500,
                title_key="field.scan.step_ms",
                minimum=500,
                maximum=10000,
            ),
            Field("rounds", "int", 3, title_key="field.scan.rounds", minimum=1, maximum=20),
        ),
    ),
    Field("helper_pin", "str", "", title_key="field.helper_pin", pattern=r"[0-9]{4,8}"),
    # A shared machine (a community centre): the start screen of visitors and Guest.
    Field(
        "profiles",
        "object",
        title_key="field.profiles",
        children=(
            Field("start_screen", "bool", False, title_key="field.profiles.start_screen"),
            Field("guest", "bool", True, title_key="field.profiles.guest"),
            Field(
                "guest_idle_minutes",
                "int",
                10,
                title_key="field.profiles.guest_idle_minutes",
                minimum=1,
                maximum=120,
            ),
        ),
    ),
    # The shell cannot be left without the staff PIN: fullscreen, on top, shortcuts off.
    Field(
        "kiosk",
        "object",
        title_key="field.kiosk",
        children=(Field("enabled", "bool", False, title_key="field.kiosk.enabled"),),
    ),
    # Scam safety. The web sites web tiles and links may open: host names, each with the
    # names under it (gov.cn allows www.gov.cn). Empty: the family has chosen nothing, so
    # a web tile opens the address it was given and pages stay on their own site. A site
    # file may set and lock it (see launcher/core/safety.py).
    Field(
        "safety",
        "object",
        title_key="safety.field",
        children=(
            Field(
                "allowed_sites",
                "list",
                [],
                title_key="safety.field.allowed_sites",
                item_kind="str",
                # A bare name, *.name, or an address pasted from a browser: the host counts.
                pattern=r"(https?://)?(\*\.)?[^\s/:@*]+(:[0-9]{1,5})?(/\S*)?",
                max_length=200,
                maximum=50,
            ),
        ),
    ),
    Field(
        "remote",
        "object",
        title_key="field.remote",
        children=(
            Field("enabled", "bool", False, title_key="field.remote.enabled"),
            Field("lan", "bool", False, title_key="field.remote.lan"),
            Field("port", "int", 8765, title_key="field.remote.port", minimum=1024, maximum=65535),
            # Remote help from anywhere: the MQTT broker the launcher connects out to, the
            # WebSocket address relatives' apps use, and where they open the app.
            Field(
                "broker",
                "str",
                "",
                title_key="field.remote.broker",
                pattern=r"mqtts?://[^\s/]+(:[0-9]{1,5})?/?",
                max_length=300,
            ),
            Field(
                "broker_ws",
                "str",
                "",
                title_key="field.remote.broker_ws",
                pattern=r"wss?://[^\s]+",
                max_length=300,
            ),
            Field(
                "app_url",
                "str",
                "",
                title_key="field.remote.app_url",
                pattern=r"https?://[^\s]+",
                max_length=300,
            ),
        ),
    ),
    Field(
        "voice",
        "object",
        title_key="field.voice",
        children=(
            Field("enabled", "bool", True, title_key="field.voice.enabled"),
            Field(
                "backend",
                "choice",
                "auto",
                title_key="field.voice.backend",
                choices=("auto", "espeak-ng", "pyttsx3", "none"),
            ),
            Field("rate", "int", 150, title_key="field.voice.rate", minimum=80, maximum=300),
            Field("volume", "int", 100, title_key="field.voice.volume", minimum=0, maximum=100),
            Field("voice", "str", "", title_key="field.voice.voice", max_length=80),
        ),
    ),
    Field(
        "grid",
        "object",
        title_key="field.grid",
        children=(
            Field("columns", "int", 3, title_key="field.grid.columns", minimum=1, maximum=3),
            Field("rows", "int", 3, title_key="field.grid.rows", minimum=1, maximum=3),
        ),
    ),
    Field("tiles", "list", [], title_key="field.tiles", item_kind="object", children=TILE_FIELDS),
    Field(
        "contacts",
        "list",
        [],
        title_key="field.contacts",
        item_kind="object",
        children=CONTACT_FIELDS,
        maximum=50,
    ),
)


def default_settings() -> dict[str, Any]:
    return {spec.key: spec.default_value() for spec in SETTINGS_SCHEMA}
