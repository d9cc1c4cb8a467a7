"""Plugin manifests (``manifest.toml``): read, check, and report errors by file and field."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from launcher.core.errors import LelingError
from launcher.core.i18n import SUPPORTED_LOCALES, pick_localized
from launcher.core.schema import Field, SchemaError, validate, validate_items
from launcher.core.tomlfiles import ParsedTomlCache, TomlError, read_toml

#: The plugin API this Leling offers; a manifest's ``api`` must match.
API_VERSION = 1
MANIFEST_FILE = "manifest.toml"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
VERSION_PATTERN = re.compile(r"^\d+\.\d+(\.\d+)?([.-][0-9A-Za-z.]+)?$")
ENTRY_PATTERN = re.compile(
    r"^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*):([A-Za-z_]\w*)$"
)
CATEGORIES = ("daily", "family", "services", "safety", "media", "tools")
PERMISSIONS = (
    "open_url",
    "contacts",
    "network",
    "notify",
    "camera",
    "microphone",
    "location",
    # The senior's name, address, medical notes and emergency number.
    "senior",
    # Raise an SOS that escalates until a relative acknowledges it.
    "alarm",
    # Receive messages (photos, calls, text) that relatives send through remote help.
    "messages",
)
#: ``list`` is a list of text, one item per line in the family's form; ``pattern`` and
#: ``max_length`` then apply to each item, ``max`` to how many there are.
CONFIG_KINDS = ("bool", "int", "float", "str", "choice", "localized", "list")
TONES = ("normal", "alarm")
#: How a step of a guide moves on: ``tap``, when the senior taps its target (the target
#: does what it always does); ``next``, also with a big Next, for a step that only points
#: something out (the time on a clock).
GUIDE_ADVANCES = ("tap", "next")
#: A guide is a short help, not a manual: at most this many steps, each a sentence or two.
GUIDE_MAX_STEPS = 12
GUIDE_MAX_TEXT = 200
GUIDE_FIELDS = frozenset({"target", "text", "advance"})


class ManifestError(LelingError):
    """A manifest problem; the message names the file and the field."""


@dataclass(frozen=True)
class GuideStep:
    """One step of a plugin's "Show me how" guide (``[[guide]]`` in the manifest)."""

    #: The widget the arrow points at: its objectName, or its accessible name; a final
    #: ``*`` matches every objectName that starts with what comes before it.
    target: str
    #: What is shown and said, by locale.
    texts: Mapping[str, str]
    #: ``tap`` or ``next`` (see :data:`GUIDE_ADVANCES`).
    advance: str = "tap"

    def text(self, locale: str) -> str:
        return pick_localized(self.texts, locale)


@dataclass(frozen=True)
class Manifest:
    """What Leling knows about a plugin without importing any of its code."""

    id: str
    version: str
    api: int
    names: Mapping[str, str]
    descriptions: Mapping[str, str]
    icon: Path | None
    category: str
    permissions: tuple[str, ...]
    config: tuple[Field, ...]
    entry_module: str
    entry_class: str
    folder: Path
    #: Where it was found: ``builtin``, ``user`` or ``installed`` (entry point).
    source: str = "builtin"
    #: For installed plugins, the importable package that holds the folder.
    package: str = ""
    #: ``alarm``: the tile is drawn in the theme's danger colours (SOS), so it is found
    #: at a glance; ``normal`` for every other tile.
    tone: str = "normal"
    #: Activated soon after start-up, not only when first opened, so its background
    #: timers (reminders) run from the start.
    background: bool = False
    #: The steps of "Show me how" on the plugin's screen; empty when it has none.
    guide: tuple[GuideStep, ...] = ()
    #: Why the manifest's guide was left out (naming the file, step and field), or "".
    #: A broken guide never stops the plugin: it only has no "Show me how".
    guide_problem: str = ""

    def name(self, locale: str) -> str:
        return pick_localized(self.names, locale)

    def description(self, locale: str) -> str:
        return pick_localized(self.descriptions, locale)

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST_FILE

    def config_defaults(self) -> dict[str, Any]:
        return {spec.key: spec.default_value() for spec in self.config}

    def effective_config(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Defaults overlaid with ``values``; bad values fall back, with a sentence each."""
        result = self.config_defaults()
        problems: list[str] = []
        for key, value in values.items():
            spec = next((s for s in self.config if s.key == key), None)
            if spec is None:
                problems.append(f"plugin {self.id}: config field {key!r} does not exist; ignored")
                continue
            if spec.kind == "list" and isinstance(value, list):
                # One bad line of a list drops that line, not every other one.
                kept, bad = validate_items(spec, value, f"{self.id}.{key}")
                result[key] = kept
                problems.extend(f"plugin {self.id}: {problem}; left out" for problem in bad)
                continue
            try:
                result[key] = validate(spec, value, f"{self.id}.{key}")
            except SchemaError as exc:
                problems.append(f"plugin {self.id}: {exc}; using the default")
        return result, problems

    def check_config(self, values: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Strictly validate config ``values``; raise SchemaError naming ``where``."""
        result = self.config_defaults()
        for key, value in values.items():
            spec = next((s for s in self.config if s.key == key), None)
            if spec is None:
                raise SchemaError(f"{where}.{key}: plugin {self.id} has no such config field")
            result[key] = validate(spec, value, f"{where}.{key}")
        return result


def _need(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise ManifestError(f"{where}: field '{key}' is missing")
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ManifestError(f"{where}: field '{key}' must be {kind.__name__}, got {value!r}")
    return value


#: Every manifest text must have these; other languages fall back to English. Built-in
#: plugins carry all of :data:`SUPPORTED_LOCALES` (a test checks).
REQUIRED_LOCALES = ("zh_CN", "en")


def _localized(table: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    value = _need(table, key, dict, where)
    for locale in REQUIRED_LOCALES:
        text = value.get(locale)
        if not isinstance(text, str) or not text.strip():
            raise ManifestError(f"{where}: field '{key}.{locale}' is missing or empty")
    for locale, text in value.items():
        if locale not in SUPPORTED_LOCALES:
            raise ManifestError(
                f"{where}: field '{key}.{locale}': unknown language; "
                f"use {', '.join(SUPPORTED_LOCALES)}"
            )
        if not isinstance(text, str) or not text.strip():
            raise ManifestError(f"{where}: field '{key}.{locale}' is missing or empty")
    return {str(k): str(v) for k, v in value.items()}


def _config_field(key: str, table: Any, where: str) -> Field:
    name = f"config.{key}"
    if not isinstance(table, dict):
        raise ManifestError(f"{where}: field '{name}' must be a table")
    kind = table.get("type")
    if kind not in CONFIG_KINDS:
        raise ManifestError(
            f"{where}: field '{name}.type' must be one of {', '.join(CONFIG_KINDS)}, got {kind!r}"
        )
    allowed = {"type", "default", "title", "min", "max", "choices", "pattern", "max_length"}
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ManifestError(f"{where}: unknown field '{name}.{unknown[0]}'")
    titles = _localized(table, "title", f"{where} [{name}]")
    choices = table.get("choices", [])
    if kind == "choice" and (not isinstance(choices, list) or not choices):
        raise ManifestError(f"{where}: field '{name}.choices' must list the allowed values")
    spec = Field(
        key=key,
        kind=kind,
        default=table.get("default"),
        titles=titles,
        minimum=table.get("min"),
        maximum=table.get("max"),
        choices=tuple(str(c) for c in choices),
        pattern=str(table.get("pattern", "")),
        max_length=table.get("max_length"),
        item_kind="str" if kind == "list" else "",
    )
    if "default" not in table:
        raise ManifestError(f"{where}: field '{name}.default' is missing")
    try:
        validate(spec, spec.default, f"{name}.default")
    except SchemaError as exc:
        raise ManifestError(f"{where}: field {exc}") from exc
    return spec


def parse_guide(value: Any, where: str) -> tuple[GuideStep, ...]:
    """Check the ``[[guide]]`` steps of the manifest at ``where``; raise ManifestError
    naming the file, the step (from 1) and the field."""
    if not isinstance(value, list) or not all(isinstance(step, dict) for step in value):
        raise ManifestError(f"{where}: field 'guide' must be a list of [[guide]] tables")
    if not value:
        raise ManifestError(f"{where}: field 'guide' has no steps")
    if len(value) > GUIDE_MAX_STEPS:
        raise ManifestError(
            f"{where}: field 'guide' has {len(value)} steps; keep it to {GUIDE_MAX_STEPS}"
        )
    steps = []
    for number, table in enumerate(value, start=1):
        at = f"{where}: guide step {number}"
        unknown = sorted(set(table) - GUIDE_FIELDS)
        if unknown:
            raise ManifestError(
                f"{at}: unknown field '{unknown[0]}'; use {', '.join(sorted(GUIDE_FIELDS))}"
            )
        target = _need(table, "target", str, at).strip()
        if not target or target == "*" or "*" in target[:-1]:
            raise ManifestError(
                f"{at}: field 'target' must name a widget (its objectName or accessible "
                f"name; a final * matches names that start alike), got {table['target']!r}"
            )
        texts = _localized(table, "text", at)
        for locale, text in texts.items():
            if len(text) > GUIDE_MAX_TEXT:
                raise ManifestError(
                    f"{at}: field 'text.{locale}' is {len(text)} characters; "
                    f"keep a step to {GUIDE_MAX_TEXT}"
                )
        advance = table.get("advance", "tap")
        if advance not in GUIDE_ADVANCES:
            raise ManifestError(
                f"{at}: field 'advance' must be one of {', '.join(GUIDE_ADVANCES)}, got {advance!r}"
            )
        steps.append(GuideStep(target=target, texts=texts, advance=advance))
    return tuple(steps)


def parse_manifest(
    path: Path,
    *,
    source: str = "builtin",
    package: str = "",
    cache: ParsedTomlCache | None = None,
) -> Manifest:
    """Read and check one ``manifest.toml``. Raises ManifestError naming file and field.

    ``cache`` gives the parsed file without parsing it again when it has not changed."""
    where = str(path)
    try:
        data = read_toml(path, cache)
    except OSError as exc:
        raise ManifestError(f"{where}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{where}: not UTF-8 text") from exc
    except TomlError as exc:
        raise ManifestError(f"{where}: not valid TOML ({exc})") from exc

    plugin_id = _need(data, "id", str, where)
    if not ID_PATTERN.match(plugin_id):
        raise ManifestError(
            f"{where}: field 'id' must be 2-40 lowercase letters, digits or _, got {plugin_id!r}"
        )
    version = _need(data, "version", str, where)
    if not VERSION_PATTERN.match(version):
        raise ManifestError(f"{where}: field 'version' must look like 1.2.3, got {version!r}")
    api = _need(data, "api", int, where)
    if api != API_VERSION:
        raise ManifestError(
            f"{where}: field 'api' is {api}, but this Leling offers plugin API {API_VERSION}"
        )
    names = _localized(data, "name", where)
    descriptions = _localized(data, "description", where)
    category = _need(data, "category", str, where)
    if category not in CATEGORIES:
        raise ManifestError(
            f"{where}: field 'category' must be one of {', '.join(CATEGORIES)}, got {category!r}"
        )
    permissions = data.get("permissions", [])
    if not isinstance(permissions, list):
        raise ManifestError(f"{where}: field 'permissions' must be a list")
    for permission in permissions:
        if permission not in PERMISSIONS:
            raise ManifestError(
                f"{where}: field 'permissions' has unknown {permission!r}; "
                f"known: {', '.join(PERMISSIONS)}"
            )
    entry = _need(data, "entry", str, where)
    match = ENTRY_PATTERN.match(entry)
    if not match:
        raise ManifestError(f"{where}: field 'entry' must look like module:Class, got {entry!r}")
    icon: Path | None = None
    if "icon" in data:
        icon_name = _need(data, "icon", str, where)
        icon = path.parent / icon_name
        if not icon.is_file():
            raise ManifestError(f"{where}: field 'icon' names {icon_name!r}, which does not exist")
    tone = data.get("tone", "normal")
    if tone not in TONES:
        raise ManifestError(
            f"{where}: field 'tone' must be one of {', '.join(TONES)}, got {tone!r}"
        )
    background = data.get("background", False)
    if not isinstance(background, bool):
        raise ManifestError(f"{where}: field 'background' must be true or false")
    config_table = data.get("config", {})
    if not isinstance(config_table, dict):
        raise ManifestError(f"{where}: field 'config' must be a table of fields")
    config = tuple(_config_field(k, v, where) for k, v in config_table.items())
    guide: tuple[GuideStep, ...] = ()
    guide_problem = ""
    if "guide" in data:
        try:
            guide = parse_guide(data["guide"], where)
        except ManifestError as exc:
            guide_problem = f"{exc}; the plugin works without its guide"
    known = {
        "id",
        "version",
        "api",
        "name",
        "description",
        "icon",
        "category",
        "tone",
        "background",
        "permissions",
        "entry",
        "config",
        "guide",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ManifestError(f"{where}: unknown field '{unknown[0]}'")
    return Manifest(
        id=plugin_id,
        version=version,
        api=api,
        names=names,
        descriptions=descriptions,
        icon=icon,
        category=category,
        permissions=tuple(permissions),
        config=config,
        entry_module=match.group(1),
        entry_class=match.group(2),
        folder=path.parent,
        source=source,
        package=package,
        tone=tone,
        background=background,
        guide=guide,
        guide_problem=guide_problem,
    )


def entry_module_path(manifest: Manifest) -> Path:
    """The file that holds the entry module, inside the plugin folder."""
    relative = Path(*manifest.entry_module.split("."))
    candidate = manifest.folder / relative.with_suffix(".py")
    if candidate.is_file():
        return candidate
    return manifest.folder / relative / "__init__.py"


def check_entry_code(manifest: Manifest) -> None:
    """Check, without running it, that the entry module parses and defines the class."""
    module_path = entry_module_path(manifest)
    where = str(manifest.manifest_path)
    if not module_path.is_file():
        raise ManifestError(
            f"{where}: field 'entry' names module {manifest.entry_module!r}, "
            f"but {module_path.name} does not exist"
        )
    try:
        tree = ast.parse(module_path.read_text(encoding="utf-8"), filename=str(module_path))
    except SyntaxError as exc:
        raise ManifestError(f"{module_path}, line {exc.lineno}: syntax error ({exc.msg})") from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{module_path}: not UTF-8 text") from exc
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    if manifest.entry_class not in classes:
        raise ManifestError(
            f"{where}: field 'entry' names class {manifest.entry_class!r}, "
            f"which {module_path.name} does not define"
        )
