"""Where Leling keeps its state.

One instance keeps everything under one folder when ``--home DIR`` or ``LELING_HOME`` is
given (tests, portable installs); otherwise the platform's per-user folders are used.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "leling"
PROFILE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LelingPaths:
    """The folders one Leling instance reads and writes."""

    config_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def profiles_dir(self) -> Path:
        return self.data_dir / "profiles"

    @property
    def user_plugins_dir(self) -> Path:
        return self.data_dir / "plugins"

    @property
    def user_themes_dir(self) -> Path:
        return self.data_dir / "themes"

    @property
    def parsed_toml_cache(self) -> Path:
        """Manifests and themes as last parsed (see :mod:`launcher.core.tomlfiles`)."""
        return self.data_dir / "cache" / "parsed-toml.json"

    def profile_dir(self, name: str) -> Path:
        return self.profiles_dir / name


def resolve_paths(home: str | os.PathLike[str] | None = None) -> LelingPaths:
    """Pick the folders: an explicit home, then ``LELING_HOME``, then platformdirs."""
    chosen = home if home is not None else os.environ.get("LELING_HOME") or None
    if chosen is not None:
        root = Path(chosen).expanduser().resolve()
        return LelingPaths(config_dir=root / "config", data_dir=root, log_dir=root / "logs")
    import platformdirs  # only needed without an explicit home

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return LelingPaths(
        config_dir=Path(dirs.user_config_dir),
        data_dir=Path(dirs.user_data_dir),
        log_dir=Path(dirs.user_log_dir),
    )


def builtin_dir(kind: str) -> Path:
    """The folder of built-in ``plugins`` or ``themes``.

    An installed wheel carries them inside the package (``launcher/builtin``); a source
    checkout has them at the top of the tree.
    """
    packaged = _PACKAGE_DIR / "builtin" / kind
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / kind
