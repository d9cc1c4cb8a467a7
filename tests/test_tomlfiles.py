"""Manifests and themes are parsed once and kept: an unchanged file is read from the
instance's cache, a changed one is parsed again, and a broken cache changes nothing."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from launcher.core.instance import open_instance
from launcher.core.manifest import ManifestError, parse_manifest
from launcher.core.theme import ThemeError, load_theme
from launcher.core.tomlfiles import ParsedTomlCache, TomlError, read_toml

MANIFEST = """
id = "hello"
version = "1.0.0"
api = 1
entry = "plugin:Hello"
category = "tools"
[name]
zh_CN = "你好"
zh_HK = "你好"
en = "Hello"
ug = "ياخشىمۇسىز"
[description]
zh_CN = "打招呼"
zh_HK = "打招呼"
en = "Says hello"
ug = "سالام"
"""


def test_an_unchanged_file_comes_from_the_cache_and_a_changed_one_is_parsed_again(
    tmp_path: Path,
) -> None:
    source = tmp_path / "a.toml"
    source.write_text('name = "first"\nsizes = [1, 2]\n[table]\nwide = true\n')
    cache_file = tmp_path / "cache" / "parsed.json"
    first = ParsedTomlCache(cache_file)
    assert first.read(source) == {"name": "first", "sizes": [1, 2], "table": {"wide": True}}
    first.save()
    kept = json.loads(cache_file.read_text())
    assert list(kept["files"]) == [str(source)]

    # A new process: the document comes from the cache, not from the file's text.
    second = ParsedTomlCache(cache_file)
    kept["files"][str(source)]["json"] = json.dumps({"name": "from the cache"})
    cache_file.write_text(json.dumps(kept))
    assert second.read(source) == {"name": "from the cache"}

    # The same size, another text: parsed again (the checksum differs).
    source.write_text('name = "other"\nsizes = [1, 3]\n[table]\nwide = true\n')
    assert second.read(source)["name"] == "other"
    second.save()
    assert "other" in cache_file.read_text()


def test_each_read_gives_a_fresh_copy(tmp_path: Path) -> None:
    source = tmp_path / "a.toml"
    source.write_text("list = [1]\n")
    cache = ParsedTomlCache(tmp_path / "c.json")
    cache.read(source)["list"].append(2)
    assert cache.read(source) == {"list": [1]}


@pytest.mark.parametrize("damage", ["{not json", '{"format": 99, "files": {}}', '["x"]', ""])
def test_a_damaged_or_foreign_cache_file_is_ignored_and_replaced(
    tmp_path: Path, damage: str
) -> None:
    source = tmp_path / "a.toml"
    source.write_text('a = "b"\n')
    cache_file = tmp_path / "c.json"
    cache_file.write_text(damage)
    cache = ParsedTomlCache(cache_file)
    assert cache.read(source) == {"a": "b"}
    cache.save()
    assert json.loads(cache_file.read_text())["format"] == 1


def test_a_damaged_entry_is_parsed_again(tmp_path: Path) -> None:
    source = tmp_path / "a.toml"
    source.write_text('a = "b"\n')
    cache_file = tmp_path / "c.json"
    ParsedTomlCache(cache_file).read(source)
    cache = ParsedTomlCache(cache_file)
    cache.read(source)
    cache.save()
    kept = json.loads(cache_file.read_text())
    kept["files"][str(source)]["json"] = "{broken"
    cache_file.write_text(json.dumps(kept))
    assert ParsedTomlCache(cache_file).read(source) == {"a": "b"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_cache_that_cannot_be_written_only_means_parsing_again(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    source = tmp_path / "a.toml"
    source.write_text('a = "b"\n')
    cache = ParsedTomlCache(locked / "c.json")
    assert cache.read(source) == {"a": "b"}
    cache.save()
    assert not (locked / "c.json").exists()


def test_a_cache_in_a_folder_that_is_a_file_only_means_parsing_again(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the folder should be")
    source = tmp_path / "a.toml"
    source.write_text('a = "b"\n')
    cache = ParsedTomlCache(tmp_path / "cache" / "c.json")
    assert cache.read(source) == {"a": "b"}
    cache.save()  # logged, never raised
    assert cache.read(source) == {"a": "b"}


def test_dates_are_read_but_not_kept(tmp_path: Path) -> None:
    source = tmp_path / "a.toml"
    source.write_text("when = 2026-11-30\n")
    cache_file = tmp_path / "c.json"
    cache = ParsedTomlCache(cache_file)
    assert cache.read(source) == {"when": datetime.date(2026, 11, 30)}
    cache.save()
    assert not cache_file.exists()


def test_windows_line_ends_read_as_without_the_cache(tmp_path: Path) -> None:
    source = tmp_path / "a.toml"
    source.write_bytes(b'text = """\r\none\r\ntwo"""\r\n')
    assert ParsedTomlCache(tmp_path / "c.json").read(source) == read_toml(source)


def test_mistakes_are_reported_the_same_with_and_without_the_cache(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[unclosed\n")
    cache = ParsedTomlCache(tmp_path / "c.json")
    with pytest.raises(TomlError) as plain:
        read_toml(bad)
    with pytest.raises(TomlError) as cached:
        read_toml(bad, cache)
    assert str(plain.value) == str(cached.value)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "Jos\xe9"\n'.encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):
        read_toml(latin, cache)
    with pytest.raises(FileNotFoundError):
        read_toml(tmp_path / "missing.toml", cache)


def test_a_manifest_and_a_theme_name_their_file_through_the_cache(tmp_path: Path) -> None:
    cache = ParsedTomlCache(tmp_path / "c.json")
    folder = tmp_path / "hello"
    folder.mkdir()
    (folder / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    assert parse_manifest(folder / "manifest.toml", cache=cache).names["en"] == "Hello"
    (folder / "manifest.toml").write_text(MANIFEST.replace('version = "1.0.0"', "version = ["))
    with pytest.raises(ManifestError, match=r"manifest.toml: not valid TOML"):
        parse_manifest(folder / "manifest.toml", cache=cache)
    theme = tmp_path / "plain.toml"
    theme.write_text((REPO / "themes" / "warm.toml").read_text(encoding="utf-8"))
    assert load_theme(theme, cache).colors["background"] == "#FFF8EC"
    theme.write_text(theme.read_text().replace('text = "#1F1408"', 'text = "#FFF8EC"'))
    with pytest.raises(ThemeError, match=r"colours.text on colours.background"):
        load_theme(theme, cache)


def test_an_instance_keeps_its_manifests_and_theme_parsed(tmp_path: Path) -> None:
    instance = open_instance(str(tmp_path), entry_points=False)
    instance.load_theme()
    kept = json.loads((tmp_path / "cache" / "parsed-toml.json").read_text())["files"]
    assert str(REPO / "plugins" / "clock" / "manifest.toml") in kept
    assert str(REPO / "themes" / "warm.toml") in kept


def test_a_second_start_parses_no_toml(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from launcher.core.instance import open_instance\n"
        f"instance = open_instance({str(tmp_path)!r}, entry_points=False)\n"
        "instance.load_theme()\n"
        "print('tomllib' in sys.modules)\n"
    )
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, env=env
        )
        for _ in range(2)
    ]
    assert [run.stdout.strip() for run in runs] == ["True", "False"], runs[1].stderr


def test_an_entry_that_is_not_a_document_is_parsed_again(tmp_path: Path) -> None:
    source = tmp_path / "a.toml"
    source.write_text('a = "b"\n')
    cache_file = tmp_path / "c.json"
    cache = ParsedTomlCache(cache_file)
    cache.read(source)
    cache.save()
    kept = json.loads(cache_file.read_text())
    kept["files"][str(source)]["json"] = "[1, 2]"
    cache_file.write_text(json.dumps(kept))
    assert ParsedTomlCache(cache_file).read(source) == {"a": "b"}


def test_a_cache_nested_too_deep_to_read_is_ignored(tmp_path: Path) -> None:
    source = tmp_path / "a.toml"
    source.write_text('a = "b"\n')
    cache_file = tmp_path / "c.json"
    cache_file.write_text("[" * 100_000 + "]" * 100_000)
    assert ParsedTomlCache(cache_file).read(source) == {"a": "b"}


def test_saving_never_fails_on_a_name_the_system_cannot_look_at(tmp_path: Path) -> None:
    source = tmp_path / "a.toml"
    source.write_text('a = "b"\n')
    cache_file = tmp_path / "c.json"
    odd = {"size": 1, "crc32": 1, "json": "{}"}
    cache_file.write_text(
        json.dumps({"format": 1, "files": {str(tmp_path / ("x" * 300)): odd, "a\x00b": odd}})
    )
    cache = ParsedTomlCache(cache_file)
    assert cache.read(source) == {"a": "b"}
    cache.save()
    assert list(json.loads(cache_file.read_text())["files"]) == [str(source)]
