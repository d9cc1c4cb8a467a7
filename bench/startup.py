"""Start-up time and peak memory of Leling, side by side with a bare PySide6 window.

Run from anywhere, after ``packaging/dev.sh setup``:

    .venv/bin/python bench/startup.py [--runs 7] [--warmup 1]

Each run is one new process, timed by wall clock from just before it is started until it
has exited; its peak RSS comes from ``os.wait4``, which reports the resources of that one
child. The two programs take turns so that a busy moment on the machine hits both alike:

* baseline: a bare PySide6 script that shows a 1280x800 window holding 9 labelled buttons
  in a 3x3 grid and quits after its first paint;
* Leling: ``python -m launcher --home HOME --windowed --exit-after-first-paint``, on a
  home screen of 9 tiles (every built-in plugin installed, each tile with its icon).

Both draw on Qt's offscreen platform with a 1280x800 screen. HOME is a new temporary
folder whose profile gets 9 tiles before the untimed warm-up start, so the timed starts
are ordinary starts of a full home screen. Prints a markdown table of medians and writes
every sample to ``bench/results/startup.json``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "startup.json"
SCREEN = {"width": 1280, "height": 800}
# A start that has not painted within this long is hung, not slow.
TIMEOUT_S = 60

BASELINE_SCRIPT = """
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QGridLayout, QPushButton, QWidget


class Window(QWidget):
    painted = False

    def paintEvent(self, event):
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            QTimer.singleShot(0, QApplication.quit)


app = QApplication(sys.argv)
window = Window()
grid = QGridLayout(window)
for index in range(9):
    grid.addWidget(QPushButton(f"Button {index + 1}"), index // 3, index % 3)
window.resize(1280, 800)
window.show()
sys.exit(app.exec())
"""


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Start one process and wait for it; returns (wall seconds, peak RSS in bytes)."""
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        killer = threading.Timer(TIMEOUT_S, proc.kill)
        killer.start()
        try:
            # wait4 reaps the child itself, so Popen must not wait for it again.
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            stderr.seek(0)
            message = stderr.read().decode(errors="replace")[-3000:]
            raise SystemExit(f"{' '.join(argv)} exited with {proc.returncode}:\n{message}")
    # Linux reports ru_maxrss in kilobytes.
    return wall, usage.ru_maxrss * 1024


NINE_TILES = [
    {"plugin": "clock"},
    {"plugin": "contacts"},
    *(
        {"plugin": "web", "label": label, "config": {"url": f"https://example.org/{n}"}}
        for n, label in enumerate(
            ["News", "Weather", "Opera", "Recipes", "Health", "Radio", "Photos"]
        )
    ),
]


def fill_home(home: Path, env: dict[str, str]) -> None:
    """Give the bench home's profile 9 tiles, through Leling's own CLI."""
    leling = [sys.executable, "-m", "launcher", "--home", str(home)]
    subprocess.run(
        [*leling, "config", "show"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    subprocess.run(
        [*leling, "config", "set", "tiles", json.dumps(NINE_TILES)],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def summarize(samples: list[tuple[float, int]]) -> dict[str, Any]:
    wall_ms = [round(wall * 1000, 1) for wall, _ in samples]
    rss_mb = [round(rss / 2**20, 1) for _, rss in samples]
    return {
        "wall_ms": wall_ms,
        "peak_rss_mb": rss_mb,
        "median_wall_ms": round(statistics.median(wall_ms), 1),
        "median_peak_rss_mb": round(statistics.median(rss_mb), 1),
    }


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Start-up time and peak RSS of Leling next to a bare PySide6 window."
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (default 7)")
    parser.add_argument(
        "--warmup", type=int, default=1, help="untimed runs of each first (default 1)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="leling-bench-") as tmp:
        screen_file = Path(tmp) / "screen.json"
        screen_file.write_text(
            json.dumps({"screens": [{"name": "bench", "x": 0, "y": 0, **SCREEN, "dpr": 1}]})
        )
        env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screen_file}")
        env.pop("LELING_HOME", None)
        # An installed Leling runs from bytecode (pip compiles it at install time). Let the
        # warm-up write it here too, or every timed start would compile the sources again.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        home = Path(tmp) / "home"
        fill_home(home, env)
        commands = {
            "baseline": [sys.executable, "-c", BASELINE_SCRIPT],
            "leling": [
                sys.executable,
                "-m",
                "launcher",
                "--home",
                str(home),
                "--windowed",
                "--exit-after-first-paint",
            ],
        }
        samples: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
        for i in range(args.warmup + args.runs):
            for name, command in commands.items():
                result = run_once(command, env)
                if i >= args.warmup:
                    samples[name].append(result)
            print(f"\rrun {i + 1}/{args.warmup + args.runs}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)

    baseline = summarize(samples["baseline"])
    leling = summarize(samples["leling"])
    ratio = {
        "wall": round(leling["median_wall_ms"] / baseline["median_wall_ms"], 2),
        "peak_rss": round(leling["median_peak_rss_mb"] / baseline["median_peak_rss_mb"], 2),
    }
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "runs": args.runs,
        "warmup": args.warmup,
        "screen": f"offscreen {SCREEN['width']}x{SCREEN['height']}",
        "python": platform.python_version(),
        "pyside6": package_version("PySide6") or package_version("PySide6-Essentials"),
        "leling": package_version("leling"),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "results": {"baseline": baseline, "leling": leling},
        "ratio_leling_to_baseline": ratio,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")

    print(f"Start-up to first painted frame and exit, median of {args.runs} runs each")
    print()
    print("| | wall time | peak RSS |")
    print("|---|---:|---:|")
    print(
        f"| baseline: PySide6 window with 9 buttons | {baseline['median_wall_ms']:.0f} ms "
        f"| {baseline['median_peak_rss_mb']:.1f} MB |"
    )
    print(
        f"| Leling home screen, 9 tiles | {leling['median_wall_ms']:.0f} ms "
        f"| {leling['median_peak_rss_mb']:.1f} MB |"
    )
    print(f"| Leling / baseline | {ratio['wall']:.2f}x | {ratio['peak_rss']:.2f}x |")
    print()
    print(f"All samples: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
