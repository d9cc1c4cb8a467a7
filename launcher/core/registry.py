"""Finding plugins (manifests only) and importing their code on first use.

Discovery yields one :class:`PluginRecord` per folder, each with either a manifest or
an error, so one bad plugin never stops the others from loading.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from launcher.core.manifest import MANIFEST_FILE, Manifest, ManifestError, parse_manifest
from launcher.core.tomlfiles import ParsedTomlCache

ENTRY_POINT_GROUP = "leling.plugins"
#: Name under which plugin folders are imported, so plugins cannot shadow real modules.
IMPORT_NAMESPACE = "leling_plugins"

STATE_READY = "ready"
STATE_INVALID = "invalid"
STATE_DUPLICATE = "duplicate"


@dataclass
class PluginRecord:
    """One discovered plugin: a manifest, or the reason it has none."""

    location: Path
    source: str
    manifest: Manifest | None = None
    error: str = ""
    state: str = STATE_READY

    @property
    def id(self) -> str:
        return self.manifest.id if self.manifest else self.location.name


def _folders(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for child in sorted(root.iterdir()):
        if child.is_dir() and not child.name.startswith((".", "_")):
            yield child


def _read_folder(
    folder: Path, source: str, package: str = "", cache: ParsedTomlCache | None = None
) -> PluginRecord:
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        return PluginRecord(
            folder, source, error=f"{folder}: has no {MANIFEST_FILE}", state=STATE_INVALID
        )
    try:
        manifest = parse_manifest(manifest_path, source=source, package=package, cache=cache)
    except ManifestError as exc:
        return PluginRecord(folder, source, error=str(exc), state=STATE_INVALID)
    return PluginRecord(folder, source, manifest=manifest)


def _installed_entry_points(group: str) -> Iterator[tuple[str, str]]:
    """``(name, value)`` of every entry point in ``group`` of the installed distributions.

    Reads ``entry_points.txt`` of each ``*.dist-info`` / ``*.egg-info`` on ``sys.path``
    directly: ``importlib.metadata`` costs about 40 ms to import, a sixth of the start-up.
    """
    seen: set[str] = set()
    for entry in sys.path:
        # Plain strings and scandir: the standard library's folder alone has hundreds of
        # names, and a Path for each costs more than all the reading.
        try:
            with os.scandir(entry or ".") as listing:
                names = [child.name for child in listing]
        except OSError:
            continue
        for name in names:
            dot = name.rfind(".")
            if dot <= 0 or name[dot:] not in (".dist-info", ".egg-info"):
                continue
            distribution = name.split("-")[0].lower().replace("_", "-")
            if distribution in seen:  # the first on sys.path wins, as for imports
                continue
            seen.add(distribution)
            try:
                with open(
                    os.path.join(entry or ".", name, "entry_points.txt"), encoding="utf-8"
                ) as handle:
                    text = handle.read()
            except OSError:
                continue
            section = ""
            for raw in text.splitlines():
                line = raw.strip()
                if not line or line.startswith(("#", ";")):
                    continue
                if line.startswith("[") and line.endswith("]"):
                    section = line[1:-1].strip()
                elif section == group and "=" in line:
                    name, _, value = line.partition("=")
                    yield name.strip(), value.strip()


def _entry_point_records(cache: ParsedTomlCache | None) -> Iterator[PluginRecord]:
    """Plugins installed with pip that name their package in ``leling.plugins``.

    Only the package's location is looked up (``find_spec`` on a top-level name runs no
    code); the manifest is read from the package folder.
    """
    for name, value in _installed_entry_points(ENTRY_POINT_GROUP):
        package = value.split(":")[0].strip()
        label = f"entry point {name!r} ({package})"
        try:
            spec = importlib.util.find_spec(package) if "." not in package else None
        except (ImportError, ValueError) as exc:
            spec = None
            error = f"{label}: cannot be found ({exc})"
        else:
            error = f"{label}: must name a top-level package that holds {MANIFEST_FILE}"
        locations = list(spec.submodule_search_locations or []) if spec else []
        if not locations:
            yield PluginRecord(Path(package), "installed", error=error, state=STATE_INVALID)
            continue
        yield _read_folder(Path(locations[0]), "installed", package=package, cache=cache)


def discover(
    builtin_dir: Path | None,
    user_dir: Path | None,
    *,
    entry_points: bool = True,
    cache: ParsedTomlCache | None = None,
) -> list[PluginRecord]:
    """All plugins: built-in first, then the user's folder, then installed packages.

    When two share an id, the first one found is used and the later is marked duplicate,
    so nothing installed later can silently replace a built-in plugin. ``cache`` gives
    manifests that have not changed without parsing them again (it is not saved here).
    """
    records: list[PluginRecord] = []
    sources: list[Iterable[PluginRecord]] = []
    if builtin_dir is not None:
        sources.append(_read_folder(f, "builtin", cache=cache) for f in _folders(builtin_dir))
    if user_dir is not None:
        sources.append(_read_folder(f, "user", cache=cache) for f in _folders(user_dir))
    if entry_points:
        sources.append(_entry_point_records(cache))
    seen: dict[str, PluginRecord] = {}
    for source in sources:
        for record in source:
            if record.manifest is not None:
                first = seen.get(record.manifest.id)
                if first is not None:
                    record.state = STATE_DUPLICATE
                    record.error = (
                        f"{record.manifest.manifest_path}: id {record.manifest.id!r} is "
                        f"already used by {first.location}; this copy is not loaded"
                    )
                else:
                    seen[record.manifest.id] = record
            records.append(record)
    return records


class PluginRegistry:
    """The usable plugins by id, plus every record for reports and ``plugins list``."""

    def __init__(self, records: list[PluginRecord]) -> None:
        self.records = records
        self._by_id = {
            r.manifest.id: r.manifest
            for r in records
            if r.manifest is not None and r.state == STATE_READY
        }

    def get(self, plugin_id: str) -> Manifest | None:
        return self._by_id.get(plugin_id)

    def ids(self) -> list[str]:
        return list(self._by_id)

    def problems(self) -> list[PluginRecord]:
        return [r for r in self.records if r.state != STATE_READY]


def import_entry(manifest: Manifest) -> type:
    """Import a plugin's entry class. This is the first time any of its code runs."""
    if manifest.source == "installed":
        module = importlib.import_module(f"{manifest.package}.{manifest.entry_module}")
    else:
        # The folder's hash keeps two homes' plugins of the same id apart in one process.
        digest = f"{zlib.crc32(str(manifest.folder.resolve()).encode()):08x}"
        package = f"{IMPORT_NAMESPACE}.{manifest.id}_{digest}"
        _ensure_package(IMPORT_NAMESPACE, None)
        _ensure_package(package, manifest.folder)
        module = importlib.import_module(f"{package}.{manifest.entry_module}")
    entry = getattr(module, manifest.entry_class, None)
    if not isinstance(entry, type):
        raise ImportError(
            f"{manifest.manifest_path}: field 'entry': {manifest.entry_module} has no class "
            f"{manifest.entry_class!r}"
        )
    return entry


def _ensure_package(name: str, folder: Path | None) -> None:
    """Register a package for a plugin folder, so its modules can import each other."""
    if name in sys.modules:
        return
    init = folder / "__init__.py" if folder is not None else None
    if init is not None and init.is_file():
        spec = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(folder)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"{folder}: cannot be imported as a plugin package")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [str(folder)] if folder is not None else []
    sys.modules[name] = importlib.util.module_from_spec(spec)
