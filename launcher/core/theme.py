"""Themes: colour and size tokens from ``themes/*.toml``, checked for contrast at load."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from launcher.core.errors import LelingError
from launcher.core.i18n import SUPPORTED_LOCALES, pick_localized
from launcher.core.tomlfiles import ParsedTomlCache, TomlError, read_toml

MIN_TEXT_CONTRAST = 7.0
COLOR_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")
COLOR_TOKENS = (
    "background",
    "text",
    "header",
    "header_text",
    "tile",
    "tile_text",
    "tile_border",
    "bar",
    "bar_text",
    "accent",
    "accent_text",
    "danger",
    "danger_text",
    "muted_text",
    "focus",
)
#: Foreground/background pairs that must reach :data:`MIN_TEXT_CONTRAST`.
CONTRAST_PAIRS = (
    ("text", "background"),
    ("muted_text", "background"),
    ("header_text", "header"),
    ("tile_text", "tile"),
    ("bar_text", "bar"),
    ("accent_text", "accent"),
    ("danger_text", "danger"),
    ("focus", "background"),
)


class ThemeError(LelingError):
    """A theme file problem, naming the file and the token."""


@dataclass(frozen=True)
class Theme:
    id: str
    names: Mapping[str, str]
    colors: Mapping[str, str]
    font_families: tuple[str, ...]
    base_size: int
    radius: int
    focus_width: int
    path: Path

    def name(self, locale: str) -> str:
        return pick_localized(self.names, locale)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio between two ``#RRGGBB`` colours (1 to 21)."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def _need(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = table.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ThemeError(f"{where}: field '{key}' must be {kind.__name__}, got {value!r}")
    return value


def load_theme(path: Path, cache: ParsedTomlCache | None = None) -> Theme:
    """Read and check one theme file. Raises ThemeError naming the file, and the field or
    the colour pair below the contrast the senior needs."""
    where = str(path)
    try:
        data = read_toml(path, cache)
    except OSError as exc:
        raise ThemeError(f"{where}: cannot read ({exc.strerror})") from exc
    except (TomlError, UnicodeDecodeError) as exc:
        raise ThemeError(f"{where}: not valid TOML ({exc})") from exc
    names = _need(data, "name", dict, where)
    for locale in SUPPORTED_LOCALES:
        if not isinstance(names.get(locale), str):
            raise ThemeError(f"{where}: field 'name.{locale}' is missing")
    colors = _need(data, "colors", dict, where)
    for token in COLOR_TOKENS:
        value = colors.get(token)
        if not isinstance(value, str) or not COLOR_PATTERN.match(value):
            raise ThemeError(f"{where}: field 'colors.{token}' must be a colour like #1A2B3C")
    for foreground, background in CONTRAST_PAIRS:
        ratio = contrast_ratio(colors[foreground], colors[background])
        if ratio < MIN_TEXT_CONTRAST:
            raise ThemeError(
                f"{where}: colours.{foreground} on colours.{background} has contrast "
                f"{ratio:.1f}:1; at least {MIN_TEXT_CONTRAST:.0f}:1 is needed"
            )
    font = _need(data, "font", dict, where)
    families = _need(font, "families", list, f"{where} [font]")
    if not families or not all(isinstance(f, str) for f in families):
        raise ThemeError(f"{where}: field 'font.families' must list font names")
    base_size = _need(font, "base_size", int, f"{where} [font]")
    if not 22 <= base_size <= 64:
        raise ThemeError(f"{where}: field 'font.base_size' must be 22 to 64 px, got {base_size}")
    shape = _need(data, "shape", dict, where)
    radius = _need(shape, "radius", int, f"{where} [shape]")
    focus_width = _need(shape, "focus_width", int, f"{where} [shape]")
    if focus_width < 4:
        raise ThemeError(f"{where}: field 'shape.focus_width' must be at least 4 px")
    return Theme(
        id=path.stem,
        names={str(k): str(v) for k, v in names.items()},
        colors={k: str(colors[k]) for k in COLOR_TOKENS},
        font_families=tuple(families),
        base_size=base_size,
        radius=radius,
        focus_width=focus_width,
        path=path,
    )


def theme_paths(*folders: Path) -> dict[str, Path]:
    """Theme files by id; a theme in a later folder does not replace an earlier one."""
    found: dict[str, Path] = {}
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found.setdefault(path.stem, path)
    return found
