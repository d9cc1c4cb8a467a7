"""The site layer: what a community centre (or a family's admin) sets for a machine.

A read-only TOML file, ``site.toml`` in the system config folder (``/etc/xdg/leling`` on
Linux, from platformdirs) or given with ``--site FILE``::

    # These keys always have the site's value, whatever a profile or a relative says.
    # (In TOML, top-level keys come before the first [table].)
    locked = ["remote.lan", "helper_pin"]

    # New profiles start from these instead of Leling's own defaults.
    [settings]
    text_scale = 150
    helper_pin = "2468"
    remote = { enabled = true, lan = false }

A locked key covers everything under it (``remote`` locks ``remote.lan`` too). Profiles,
``leling config set`` and remote help cannot change a locked key; the shell shows the
site's value. ``leling config show --layers`` tells where each value comes from.
"""

from __future__ import annotations

import copy
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launcher.core.errors import LelingError
from launcher.core.schema import (
    SETTINGS_SCHEMA,
    SchemaError,
    find_field,
    get_path,
    set_path,
    validate,
    validate_object,
)

SITE_FILE = "site.toml"


class SiteError(LelingError):
    """A site file problem; the message names the file and the key."""


def default_site_path() -> Path:
    """Where a machine's site file lives when ``--site`` is not given."""
    if sys.platform.startswith("linux"):
        # platformdirs' rule for Linux, without its import (tens of ms) at every start.
        first = os.environ.get("XDG_CONFIG_DIRS", "").split(":")[0].strip()
        return Path(first or "/etc/xdg") / "leling" / SITE_FILE
    import platformdirs

    return Path(platformdirs.site_config_dir("leling", appauthor=False)) / SITE_FILE


@dataclass(frozen=True)
class SiteConfig:
    """Site defaults and locks; empty when the machine has no site file."""

    path: Path | None = None
    #: A whole settings tree: Leling's defaults with the site's values over them.
    defaults: dict[str, Any] = field(default_factory=dict)
    locked: tuple[str, ...] = ()

    def lock_for(self, key: str) -> str | None:
        """The locked key that stops ``key`` from being changed, if any: the key itself,
        one above it, or one below it (changing ``remote`` whole changes ``remote.lan``)."""
        for locked in self.locked:
            if key == locked or key.startswith(locked + ".") or locked.startswith(key + "."):
                return locked
        return None

    def value(self, key: str) -> Any:
        """The site's value for ``key`` (None if the site has no file)."""
        try:
            return copy.deepcopy(get_path(self.defaults, key))
        except SchemaError:
            return None

    def apply(self, settings: dict[str, Any]) -> dict[str, Any]:
        """``settings`` with every locked key set to the site's value."""
        if not self.locked:
            return settings
        effective = copy.deepcopy(settings)
        for key in self.locked:
            set_path(effective, key, self.value(key))
        return effective


def load_site(path: Path | None) -> SiteConfig:
    """Read a site file; a missing default file is no site at all. Raises SiteError,
    naming the file and key, for a file that is there but wrong."""
    if path is None:
        path = default_site_path()
        if not path.is_file():
            return SiteConfig()
    elif not path.is_file():
        raise SiteError(f"{path}: no such site file")
    import tomllib

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteError(f"{path}: cannot be read ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"{path}: not valid TOML ({exc})") from exc
    unknown = set(document) - {"settings", "locked"}
    if unknown:
        raise SiteError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}")
    settings = document.get("settings", {})
    if not isinstance(settings, dict):
        raise SiteError(f"{path}: [settings] must be a table")
    if "locked" in settings:
        raise SiteError(f"{path}: 'locked' is inside [settings]; put it above [settings]")
    try:
        defaults = validate_object(SETTINGS_SCHEMA, settings, "")
    except SchemaError as exc:
        raise SiteError(f"{path}: [settings] {exc}") from exc
    locked = document.get("locked", [])
    if not isinstance(locked, list) or not all(isinstance(k, str) for k in locked):
        raise SiteError(f"{path}: 'locked' must be a list of setting keys")
    for key in locked:
        try:
            spec = find_field(SETTINGS_SCHEMA, key)
            validate(spec, get_path(defaults, key), key)
        except SchemaError as exc:
            raise SiteError(f"{path}: locked key {key!r}: {exc}") from exc
    return SiteConfig(path, defaults, tuple(locked))
