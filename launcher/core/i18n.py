"""Translation catalogues (gettext ``.po``) and the runtime translator.

Messages are looked up by key (``home.title``); every catalogue must carry every key,
which a test checks. The locale can change at runtime: listeners are told, and the UI
re-reads its strings.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from launcher.core.errors import LelingError

SUPPORTED_LOCALES: tuple[str, ...] = ("zh_CN", "zh_HK", "en", "ug")
FALLBACK_LOCALE = "en"

LOCALE_NAMES: dict[str, str] = {
    "zh_CN": "简体中文",
    "zh_HK": "繁體中文（香港）",
    "en": "English",
    "ug": "ئۇيغۇرچە",
}

#: Languages written right to left: the whole window is mirrored for them.
RTL_LOCALES: tuple[str, ...] = ("ug",)

#: Chinese written in Traditional characters. Taiwan and Macau read Hong Kong's
#: catalogue more easily than the Simplified one.
_TRADITIONAL_CHINESE = ("hk", "tw", "mo", "hant")

#: The header's date, as a QLocale pattern; Qt fills in the day and month names.
_DATE_PATTERNS: dict[str, str] = {
    "zh_CN": "yyyy年M月d日  dddd",
    "zh_HK": "yyyy年M月d日  dddd",
    "en": "dddd, d MMMM yyyy",
    "ug": "yyyy'-يىلى' d-MMMM، dddd",
}


def is_rtl(locale: str) -> bool:
    """Whether ``locale`` is written right to left."""
    return locale in RTL_LOCALES


def date_pattern(locale: str) -> str:
    """The QLocale pattern for a long date with the weekday in ``locale``."""
    return _DATE_PATTERNS.get(locale, _DATE_PATTERNS[FALLBACK_LOCALE])


def parse_po(text: str, source: str) -> dict[str, str]:
    """Read the msgid → msgstr pairs of a ``.po`` file.

    Supports what translators' tools write: comments, ``msgctxt``, multi-line strings.
    Fuzzy entries are skipped, as gettext does. ``source`` names the file in errors.
    """
    messages: dict[str, str] = {}
    fields: dict[str, str] = {}
    current: str | None = None
    fuzzy = False
    entry_fuzzy = False

    def finish() -> None:
        nonlocal fields, current, entry_fuzzy
        if "msgid" in fields and fields["msgid"] and not entry_fuzzy:
            if "msgstr" not in fields:
                raise LelingError(f"{source}: msgid {fields['msgid']!r} has no msgstr")
            messages[fields["msgid"]] = fields["msgstr"]
        fields = {}
        current = None
        entry_fuzzy = False

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid", "msgstr"):
            if keyword in ("msgctxt", "msgid") and "msgstr" in fields:
                finish()
            if keyword == "msgid" or keyword == "msgctxt":
                entry_fuzzy = entry_fuzzy or fuzzy
                fuzzy = False
            current = keyword
            fields[keyword] = _po_string(rest.strip(), source, number)
        elif line.startswith('"') and current is not None:
            fields[current] += _po_string(line, source, number)
        else:
            raise LelingError(f"{source}, line {number}: cannot read {line[:40]!r}")
    finish()
    return messages


def _po_string(token: str, source: str, number: int) -> str:
    if len(token) < 2 or not (token.startswith('"') and token.endswith('"')):
        raise LelingError(f"{source}, line {number}: expected a quoted string, got {token!r}")
    inner = token[1:-1]
    if "\\" not in inner and '"' not in inner:
        # Most strings have no escapes; literal_eval would compile each one.
        return inner
    try:
        value = ast.literal_eval(token)
    except (ValueError, SyntaxError) as exc:
        raise LelingError(f"{source}, line {number}: bad string {token!r}") from exc
    if not isinstance(value, str):
        raise LelingError(f"{source}, line {number}: bad string {token!r}")
    return value


def load_catalogue(locales_dir: Path, locale: str) -> dict[str, str] | None:
    """``<locale>.po`` of ``locales_dir``, or None if there is none."""
    path = locales_dir / f"{locale}.po"
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    return parse_po(text, str(path))


def load_catalogues(locales_dir: Path) -> dict[str, dict[str, str]]:
    """Load ``<locale>.po`` for every supported locale found in ``locales_dir``."""
    catalogues: dict[str, dict[str, str]] = {}
    for locale in SUPPORTED_LOCALES:
        catalogue = load_catalogue(locales_dir, locale)
        if catalogue is not None:
            catalogues[locale] = catalogue
    return catalogues


def normalize_locale(value: str) -> str | None:
    """Map ``zh_CN.UTF-8``, ``zh-TW``, ``zh_Hant_HK``, ``ug_CN``, ``en_GB`` … to a supported
    locale, or None."""
    base = value.split(".")[0].split("@")[0].replace("-", "_")
    if not base:
        return None
    for locale in SUPPORTED_LOCALES:
        if base.lower() == locale.lower():
            return locale
    language, *rest = base.lower().split("_")
    if language == "zh":
        traditional = "hans" not in rest and any(part in _TRADITIONAL_CHINESE for part in rest)
        return "zh_HK" if traditional else "zh_CN"
    if language in ("en", "ug"):
        return language
    return None


def default_locale(environ: Mapping[str, str] | None = None) -> str:
    """The language of the system locale (the first of LC_ALL, LC_MESSAGES, LANG that is
    set) if Leling speaks it, English otherwise."""
    env = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if value:
            return normalize_locale(value) or FALLBACK_LOCALE
    return FALLBACK_LOCALE


def pick_localized(texts: Mapping[str, str], locale: str) -> str:
    """The text for ``locale`` from a per-locale mapping, falling back to English."""
    for candidate in (locale, FALLBACK_LOCALE, *texts.keys()):
        text = texts.get(candidate)
        if text:
            return text
    return ""


class Translator:
    """Looks messages up in the current locale; tells listeners when it changes.

    Made :meth:`from_dir`, it reads a language's catalogue when that language is first
    used, so a start reads the current language and English, not all of them.
    """

    def __init__(
        self,
        catalogues: dict[str, dict[str, str]],
        locale: str,
        *,
        locales_dir: Path | None = None,
    ) -> None:
        self._catalogues = catalogues
        self._locale = locale
        self._locales_dir = locales_dir
        self._listeners: list[Callable[[str], None]] = []

    @classmethod
    def from_dir(cls, locales_dir: Path, locale: str) -> Translator:
        return cls({}, locale, locales_dir=locales_dir)

    def _catalogue(self, locale: str) -> dict[str, str]:
        catalogue = self._catalogues.get(locale)
        if catalogue is None and self._locales_dir is not None:
            catalogue = load_catalogue(self._locales_dir, locale) or {}
            self._catalogues[locale] = catalogue
        return catalogue or {}

    @property
    def locale(self) -> str:
        return self._locale

    def set_locale(self, locale: str) -> None:
        if locale not in SUPPORTED_LOCALES:
            raise LelingError(
                f"unknown language {locale!r}; choose one of {', '.join(SUPPORTED_LOCALES)}"
            )
        if locale == self._locale:
            return
        # A catalogue that cannot be read stops the switch before anyone is told of it.
        self._catalogue(locale)
        self._locale = locale
        for listener in list(self._listeners):
            listener(locale)

    def add_listener(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[str], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def keys(self, locale: str) -> set[str]:
        return set(self._catalogue(locale))

    def tr(self, key: str, /, **values: object) -> str:
        """The message for ``key`` in the current locale, with ``{name}`` filled in."""
        text = self._catalogue(self._locale).get(key)
        if not text:
            text = self._catalogue(FALLBACK_LOCALE).get(key) or key
        if values:
            try:
                return text.format(**values)
            except (KeyError, IndexError, ValueError):
                return text
        return text


def core_locales_dir() -> Path:
    """The shell's own catalogues."""
    return Path(__file__).resolve().parent.parent / "locales"
