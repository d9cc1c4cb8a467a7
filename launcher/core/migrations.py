"""Named steps that carry an older settings document forward, one version at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from launcher.core.errors import LelingError

SETTINGS_VERSION = 2
TEXT_SCALE_PRESETS = (100, 125, 150, 200)

Document = dict[str, Any]


def _v1_to_v2(document: Document) -> Document:
    """Version 1 kept ``language``, a ``font_scale`` factor and tiles as bare plugin ids.

    Version 2 names the locale ``locale``, stores text size as a percentage
    (``text_scale``) and makes every tile an object so it can carry a label and config.
    """
    old = dict(document.get("settings", {}))
    new: dict[str, Any] = {}
    for key, value in old.items():
        if key == "language":
            new["locale"] = value
        elif key == "font_scale":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                # Version 2 offers presets only; take the nearest one.
                percent = float(value) * 100
                new["text_scale"] = min(TEXT_SCALE_PRESETS, key=lambda p: abs(p - percent))
            else:
                new["text_scale"] = value
        elif key == "tiles" and isinstance(value, list):
            new["tiles"] = [{"plugin": item} if isinstance(item, str) else item for item in value]
        else:
            new[key] = value
    return {"version": 2, "settings": new}


MIGRATIONS: dict[int, Callable[[Document], Document]] = {1: _v1_to_v2}


def migrate(document: Document, source: str) -> tuple[Document, list[int]]:
    """Carry ``document`` to :data:`SETTINGS_VERSION`; return it and the versions passed."""
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LelingError(
            f"{source}: field 'version' must be a whole number from 1, got {version!r}"
        )
    if version > SETTINGS_VERSION:
        raise LelingError(
            f"{source}: written by a newer Leling (settings version {version}; "
            f"this one reads up to {SETTINGS_VERSION})"
        )
    passed: list[int] = []
    while version < SETTINGS_VERSION:
        document = MIGRATIONS[version](document)
        passed.append(version)
        version = document["version"]
    return document, passed
