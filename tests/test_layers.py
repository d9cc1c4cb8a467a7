"""The layer rules of the architecture, checked on the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import REPO

CORE = REPO / "launcher" / "core"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_source_never_imports_qt_or_the_ui() -> None:
    offenders = {
        f"{path.relative_to(REPO)}: {name}"
        for path in CORE.rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in ("PySide6", "shiboken6")
        or name.startswith(("launcher.ui", "launcher.api", "launcher.speech", "launcher.remote"))
    }
    assert not offenders


def test_importing_every_core_module_loads_no_qt() -> None:
    modules = sorted(f"launcher.core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__")
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "import launcher.cli\n"
        "loaded = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(loaded)\n"
        "raise SystemExit(1 if loaded else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_builtin_plugins_import_only_launcher_api() -> None:
    plugin_files = list((REPO / "plugins").rglob("*.py"))
    assert plugin_files, "built-in plugins are missing"
    offenders = {
        f"{path.relative_to(REPO)}: {name}"
        for path in plugin_files
        for name in _imports(path)
        if (name.startswith("launcher") and name != "launcher.api")
        or name.split(".")[0] in ("PySide6", "shiboken6")
    }
    assert not offenders


def test_a_plain_start_opens_the_instance_before_qt_is_imported(tmp_path: Path) -> None:
    # Once PySide6 is loaded it reads the source of every module imported after it.
    script = (
        "import sys\n"
        "order = []\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        order.append(name)\n"
        "sys.meta_path.insert(0, Watch())\n"
        "from launcher.cli import main\n"
        f"code = main(['--home', {str(tmp_path)!r}, '--windowed', '--exit-after-first-paint'])\n"
        "qt = order.index('PySide6')\n"
        "late = [m for m in order[qt:] if m.startswith('launcher.core')]\n"
        "print(late)\n"
        "raise SystemExit(code or (1 if late else 0))\n"
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_left_to_right_theme_leaves_qts_namespace_alone() -> None:
    script = (
        "import PySide6.QtCore as core\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from launcher.core.paths import builtin_dir\n"
        "from launcher.core.theme import load_theme\n"
        "from launcher.ui.style import apply_theme\n"
        "app = QApplication([])\n"
        "apply_theme(app, load_theme(builtin_dir('themes') / 'warm.toml'), 100, 'en')\n"
        "untouched = 'Qt' not in vars(core)\n"
        "apply_theme(app, load_theme(builtin_dir('themes') / 'warm.toml'), 100, 'ug')\n"
        "assert app.isRightToLeft()\n"
        "apply_theme(app, load_theme(builtin_dir('themes') / 'warm.toml'), 100, 'zh_CN')\n"
        "assert not app.isRightToLeft()\n"
        "raise SystemExit(0 if untouched else 1)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
