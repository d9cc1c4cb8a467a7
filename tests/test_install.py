"""A plain ``pip install .`` into a fresh venv gives a working ``leling`` with its built-ins.

The editable install used for development finds plugins and themes in the source tree, so
only a real wheel install shows whether they are packaged. Every command runs from a
temporary folder so the source tree cannot be imported by accident.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BUILTIN_PLUGINS = {
    folder.name for folder in (ROOT / "plugins").iterdir() if (folder / "manifest.toml").is_file()
}


def _env(cwd: Path) -> dict[str, str]:
    # Per-user folders point into the test's own folder, so an ignored --home can't write
    # into the real user's Leling.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for xdg in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[xdg] = str(cwd / "xdg" / xdg.lower())
    for leaky in ("PYTHONPATH", "PYTHONHOME", "LELING_HOME", "VIRTUAL_ENV"):
        env.pop(leaky, None)
    return env


def _run(args: list[str | Path], cwd: Path, timeout: float = 120) -> str:
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_env(cwd),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, (
        f"{' '.join(str(a) for a in args)} exited with {proc.returncode}\n"
        f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    )
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A fresh venv with Leling installed from the source tree; returns (venv, workdir)."""
    if importlib.util.find_spec("venv") is None:
        pytest.skip("this Python has no venv module, so no fresh environment can be built")
    base = tmp_path_factory.mktemp("install")
    venv = base / "venv"
    work = base / "work"
    work.mkdir()
    _run([sys.executable, "-m", "venv", venv], cwd=work)
    # Not editable: a wheel is built and installed, as a user's `pip install` would.
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", ROOT], cwd=work, timeout=900)
    return venv, work


def test_leling_version(installed: tuple[Path, Path]) -> None:
    venv, work = installed
    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    assert version in _run([venv / "bin" / "leling", "--version"], cwd=work)
    assert version in _run([venv / "bin" / "python", "-m", "launcher", "--version"], cwd=work)


def test_builtin_plugins_are_ready(installed: tuple[Path, Path]) -> None:
    venv, work = installed
    home = work / "home"
    out = _run([venv / "bin" / "leling", "--home", home, "plugins", "list", "--json"], cwd=work)
    listed: Any = json.loads(out)
    assert isinstance(listed, list), listed
    states = {p["id"]: p["state"] for p in listed}
    for plugin in sorted(BUILTIN_PLUGINS):
        assert states.get(plugin) == "ready", f"{plugin}: {states.get(plugin)!r} in {listed}"
    assert home.is_dir(), f"--home {home} was not used"


def test_builtin_themes_are_inside_site_packages(installed: tuple[Path, Path]) -> None:
    venv, work = installed
    python = venv / "bin" / "python"
    purelib = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work
        ).strip()
    ).resolve()
    themes = Path(
        _run(
            [python, "-c", "import launcher.core.paths as p; print(p.builtin_dir('themes'))"],
            cwd=work,
        ).strip()
    ).resolve()
    assert themes.is_relative_to(purelib), f"{themes} is not inside {purelib}"
    assert (themes / "warm.toml").is_file()
    assert (themes / "dark.toml").is_file()


def test_a_wheel_and_an_sdist_carry_the_plugins_and_themes(tmp_path: Path) -> None:
    import tarfile
    import zipfile

    if importlib.util.find_spec("build") is None:
        pytest.skip("needs the build package (the test extra)")
    out = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", out, ROOT], tmp_path, 900
    )
    [sdist] = out.glob("leling-*.tar.gz")
    [wheel] = out.glob("leling-*.whl")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    with zipfile.ZipFile(wheel) as archive:
        inside = set(archive.namelist())
    for plugin in BUILTIN_PLUGINS:
        assert f"plugins/{plugin}/manifest.toml" in names, plugin
        assert any(n.endswith(f"plugins/{plugin}/manifest.toml") for n in inside), plugin
    assert "README.md" in names and "packaging/systemd/leling.service" in names
    assert any(n.endswith("themes/warm.toml") for n in inside)
    assert any(n.endswith("launcher/remote/webapp/seal.js") for n in inside)


def test_the_installed_leling_draws_its_home_screen(installed: tuple[Path, Path]) -> None:
    from PySide6.QtGui import QImage

    venv, work = installed
    picture = work / "home.png"
    out = _run(
        [venv / "bin" / "leling", "--home", work / "shot-home", "screenshot", picture], cwd=work
    )
    assert out.strip().endswith("home.png")
    image = QImage(str(picture))
    assert not image.isNull() and (image.width(), image.height()) == (1280, 800)
    # A real picture of tiles, not an empty window: many colours in it.
    colours = {image.pixel(x, y) for x in range(0, 1280, 16) for y in range(0, 800, 16)}
    assert len(colours) > 8
