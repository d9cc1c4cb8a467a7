"""The PyInstaller one-folder build (``packaging/windows/leling.spec``), built here on
Linux and started offscreen: the program that would ship for Windows draws its home
screen and opens every built-in plugin, with no Python installed beside it."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from test_install import BUILTIN_PLUGINS, _run

from launcher.core.instance import open_instance

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "windows" / "leling.spec"


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("needs PyInstaller (the test extra)")
    base = tmp_path_factory.mktemp("frozen")
    _run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            base / "dist",
            "--workpath",
            base / "build",
            SPEC,
        ],
        base,
        timeout=1200,
    )
    program = base / "dist" / "leling" / ("leling.exe" if sys.platform == "win32" else "leling")
    assert program.is_file(), f"no {program}"
    return program


def test_the_frozen_program_draws_its_home_screen(frozen: Path, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    picture = tmp_path / "home.png"
    out = _run([frozen, "--home", tmp_path / "home", "screenshot", picture], tmp_path)
    assert out.strip().endswith("home.png")
    image = QImage(str(picture))
    assert not image.isNull() and (image.width(), image.height()) == (1280, 800)
    colours = {image.pixel(x, y) for x in range(0, 1280, 16) for y in range(0, 800, 16)}
    assert len(colours) > 8, "a real picture of tiles, not an empty window"


def test_the_frozen_program_opens_every_builtin_plugin(frozen: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    listed: Any = json.loads(_run([frozen, "--home", home, "plugins", "list", "--json"], tmp_path))
    states = {p["id"]: p["state"] for p in listed}
    assert {p: states.get(p) for p in BUILTIN_PLUGINS} == dict.fromkeys(BUILTIN_PLUGINS, "ready")

    instance = open_instance(str(home), entry_points=False)
    tiles = [{"plugin": plugin} for plugin in sorted(BUILTIN_PLUGINS)]
    instance.store.save({**instance.settings, "tiles": tiles}, "every built-in plugin")
    for plugin in sorted(BUILTIN_PLUGINS):
        tree: Any = json.loads(
            _run([frozen, "--home", home, "inspect", "--json", "--open", plugin], tmp_path)
        )
        # A plugin whose code or libraries were left out shows the calm "not available".
        log = next(home.rglob("leling.log"), None)
        assert tree["screen"] == f"plugin:{plugin}", (
            f"{plugin}: {tree['screen']}; log: {log.read_text()[-2000:] if log else None}"
        )
