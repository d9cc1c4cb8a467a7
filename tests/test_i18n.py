"""Every language ships complete: a missing key anywhere fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPO

from launcher.core.errors import LelingError
from launcher.core.i18n import (
    SUPPORTED_LOCALES,
    Translator,
    core_locales_dir,
    default_locale,
    load_catalogues,
    parse_po,
)

TR_CALL = re.compile(r"""\btr\(\s*["']([A-Za-z0-9_.]+)["']""")
TITLE_KEY = re.compile(r"""title_key=["']([A-Za-z0-9_.]+)["']""")

PLUGIN_CATALOGUES = sorted(
    folder / "locales" for folder in (REPO / "plugins").iterdir() if (folder / "locales").is_dir()
)
CATALOGUE_DIRS = [core_locales_dir(), *PLUGIN_CATALOGUES]


def used_keys(sources: list[Path]) -> set[str]:
    keys: set[str] = set()
    for source in sources:
        text = source.read_text(encoding="utf-8")
        keys.update(TR_CALL.findall(text))
        keys.update(TITLE_KEY.findall(text))
    return keys


@pytest.mark.parametrize("folder", CATALOGUE_DIRS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_catalogue_has_every_key_with_a_translation(folder: Path) -> None:
    catalogues = load_catalogues(folder)
    assert set(catalogues) == set(SUPPORTED_LOCALES), f"{folder}: a language file is missing"
    every_key = set().union(*catalogues.values())
    for locale, messages in catalogues.items():
        missing = sorted(every_key - set(messages))
        assert not missing, f"{folder / (locale + '.po')} lacks {missing}"
        empty = sorted(key for key, text in messages.items() if not text.strip())
        assert not empty, f"{folder / (locale + '.po')} has empty translations for {empty}"
    code_root = folder.parent if folder != core_locales_dir() else REPO / "launcher"
    # launcher/api.py's examples use a plugin's keys, not the shell's.
    sources = [p for p in code_root.rglob("*.py") if p != REPO / "launcher" / "api.py"]
    unknown = sorted(used_keys(sources) - every_key)
    assert not unknown, f"code in {code_root} uses keys missing from {folder}: {unknown}"


def test_placeholders_match_across_languages() -> None:
    for folder in CATALOGUE_DIRS:
        catalogues = load_catalogues(folder)
        for key in catalogues["en"]:
            fields = {
                locale: sorted(re.findall(r"{(\w+)}", messages[key]))
                for locale, messages in catalogues.items()
            }
            assert len({tuple(v) for v in fields.values()}) == 1, f"{folder}: {key}: {fields}"


def test_the_default_language_follows_the_system_locale() -> None:
    assert default_locale({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert default_locale({"LANG": "zh_TW.UTF-8"}) == "zh_HK"
    assert default_locale({"LANG": "ug_CN.UTF-8"}) == "ug"
    assert default_locale({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert default_locale({"LANG": "de_DE.UTF-8"}) == "en"
    assert default_locale({}) == "en"


def test_switching_language_tells_listeners_and_changes_every_message() -> None:
    translator = Translator.from_dir(core_locales_dir(), "en")
    heard: list[str] = []
    translator.add_listener(heard.append)
    assert translator.tr("bar.home") == "Home"
    translator.set_locale("zh_CN")
    assert translator.tr("bar.home") == "主页"
    assert translator.tr("home.page", page=1, pages=3) == "第 1 页，共 3 页"
    assert heard == ["zh_CN"]
    with pytest.raises(LelingError, match="unknown language 'fr'"):
        translator.set_locale("fr")


def test_po_reader_handles_what_translation_tools_write() -> None:
    text = (
        '# translator comment\nmsgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, fuzzy\nmsgid "old"\nmsgstr "stale"\n\n'
        'msgctxt "menu"\nmsgid "long"\nmsgstr ""\n"first "\n"second \\"quoted\\""\n'
    )
    assert parse_po(text, "x.po") == {"long": 'first second "quoted"'}
    with pytest.raises(LelingError, match=r"x.po, line 1: cannot read"):
        parse_po("nonsense here\n", "x.po")


def test_a_translator_reads_a_language_only_when_it_is_used(tmp_path: Path) -> None:
    (tmp_path / "en.po").write_text('msgid "bar.home"\nmsgstr "Home"\n', encoding="utf-8")
    (tmp_path / "zh_CN.po").write_text('msgid "bar.home"\nmsgstr "主页"\n', encoding="utf-8")
    (tmp_path / "ug.po").write_text("nonsense here\n", encoding="utf-8")
    translator = Translator.from_dir(tmp_path, "en")
    heard: list[str] = []
    translator.add_listener(heard.append)
    assert translator.tr("bar.home") == "Home"
    with pytest.raises(LelingError, match=r"ug.po, line 1: cannot read"):
        translator.set_locale("ug")
    assert translator.locale == "en" and heard == []
    translator.set_locale("zh_CN")
    assert translator.tr("bar.home") == "主页" and heard == ["zh_CN"]
    assert translator.tr("no.such.key") == "no.such.key"
    translator.set_locale("zh_HK")
    assert translator.tr("bar.home") == "Home", "a language without a file falls back"
    assert translator.keys("zh_HK") == set()


def test_po_strings_with_and_without_escapes_read_alike() -> None:
    text = (
        'msgid "plain"\nmsgstr "A plain line, 中文 and ئۇيغۇرچە"\n\n'
        'msgid "escaped"\nmsgstr "tab\\there \\"q\\" \\\\ end"\n'
    )
    assert parse_po(text, "x.po") == {
        "plain": "A plain line, 中文 and ئۇيغۇرچە",
        "escaped": 'tab\there "q" \\ end',
    }
    with pytest.raises(LelingError, match=r"x.po, line 2: bad string"):
        parse_po('msgid "a"\nmsgstr "bro"ken"\n', "x.po")
