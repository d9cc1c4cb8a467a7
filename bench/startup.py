"""Start-up time and peak memory of Leling, side by side with bare PySide6 programs.

Run from anywhere, after ``packaging/dev.sh setup``:

    .venv/bin/python bench/startup.py [--runs 7] [--warmup 1]

Each run is one new process. It writes the CLOCK_MONOTONIC time of its first whole frame
to stdout and quits; the benchmark takes the time from just before the process is started
to that frame (the measure), and to its exit; its peak RSS comes from ``os.wait4``, which
reports the resources of that one child. The three programs take turns so that a busy
moment on the machine hits them alike:

* baseline: a bare PySide6 script that shows a 1280x800 window holding 9 labelled buttons
  in a 3x3 grid;
* reference: ``bench/reference_home.py``, a home screen like Leling's in bare PySide6
  (header, 9 tool buttons with the built-in plugins' SVG icons, a bar, the warm theme's
  style sheet and CJK font), which shows what such a screen costs in Qt alone;
* Leling: ``python -m launcher --home HOME --windowed --exit-after-first-paint``, on a
  home screen of 9 tiles (every built-in plugin installed, each tile with its icon).

All draw on Qt's offscreen platform with a 1280x800 screen. HOME is a new temporary
folder whose profile gets 9 tiles before the untimed warm-up start, so the timed starts
are ordinary starts of a full home screen (bytecode and parsed manifests kept, as after
an install and a first start). Prints a markdown table of medians with their ratios to the
baseline and writes every sample to ``bench/results/startup.json``.
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
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "startup.json"
SCREEN = {"width": 1280, "height": 800}
# A start that has not painted within this long is hung, not slow.
TIMEOUT_S = 60

BASELINE_SCRIPT = """
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QGridLayout, QPushButton, QWidget


def first_frame_done():
    print(time.clock_gettime(time.CLOCK_MONOTONIC), flush=True)
    QApplication.quit()


class Window(QWidget):
    painted = False

    def paintEvent(self, event):
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            QTimer.singleShot(0, first_frame_done)


app = QApplication(sys.argv)
window = Window()
grid = QGridLayout(window)
for index in range(9):
    grid.addWidget(QPushButton(f"Button {index + 1}"), index // 3, index % 3)
window.resize(1280, 800)
window.show()
sys.exit(app.exec())
"""


class Sample(NamedTuple):
    first_frame_s: float
    exit_s: float
    peak_rss: int


def run_once(argv: list[str], env: dict[str, str]) -> Sample:
    """Start one process and wait for it: the time to its first whole frame (which it
    writes to stdout as a CLOCK_MONOTONIC time), the time to its exit, its peak RSS."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.clock_gettime(time.CLOCK_MONOTONIC)
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
        killer = threading.Timer(TIMEOUT_S, proc.kill)
        killer.start()
        try:
            # wait4 reaps the child itself, so Popen must not wait for it again.
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        ended = time.clock_gettime(time.CLOCK_MONOTONIC)
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        printed = stdout.read().decode(errors="replace").split()
        if proc.returncode != 0 or not printed:
            stderr.seek(0)
            message = stderr.read().decode(errors="replace")[-3000:]
            raise SystemExit(
                f"{' '.join(argv)} exited with {proc.returncode} "
                f"{'' if printed else 'without reporting its first frame'}:\n{message}"
            )
    # Linux reports ru_maxrss in kilobytes.
    return Sample(float(printed[-1]) - started, ended - started, usage.ru_maxrss * 1024)


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


def summarize(samples: list[Sample]) -> dict[str, Any]:
    frame_ms = [round(sample.first_frame_s * 1000, 1) for sample in samples]
    exit_ms = [round(sample.exit_s * 1000, 1) for sample in samples]
    rss_mb = [round(sample.peak_rss / 2**20, 1) for sample in samples]
    return {
        "first_frame_ms": frame_ms,
        "exit_ms": exit_ms,
        "peak_rss_mb": rss_mb,
        "median_first_frame_ms": round(statistics.median(frame_ms), 1),
        "median_exit_ms": round(statistics.median(exit_ms), 1),
        "median_peak_rss_mb": round(statistics.median(rss_mb), 1),
    }


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Start-up time and peak RSS of Leling next to bare PySide6 programs."
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
            "reference": [sys.executable, str(ROOT / "bench" / "reference_home.py")],
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
        samples: dict[str, list[Sample]] = {name: [] for name in commands}
        for i in range(args.warmup + args.runs):
            for name, command in commands.items():
                result = run_once(command, env)
                if i >= args.warmup:
                    samples[name].append(result)
            print(f"\rrun {i + 1}/{args.warmup + args.runs}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)

    results = {name: summarize(taken) for name, taken in samples.items()}
    base = results["baseline"]
    ratios = {
        name: {
            measure: round(result[f"median_{key}"] / base[f"median_{key}"], 2)
            for measure, key in (
                ("first_frame", "first_frame_ms"),
                ("exit", "exit_ms"),
                ("peak_rss", "peak_rss_mb"),
            )
        }
        for name, result in results.items()
        if name != "baseline"
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
        "results": results,
        "ratio_to_baseline": ratios,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")

    print(f"Start to first whole frame, and to exit; medians of {args.runs} runs each")
    print()
    print("| | first frame | ratio | exit | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    names = {
        "baseline": "bare PySide6 window with 9 buttons",
        "reference": "reference home in bare PySide6 (bench/reference_home.py)",
        "leling": "Leling home screen, 9 tiles",
    }
    for name, title in names.items():
        measured = results[name]
        ratio = ratios.get(name, {"first_frame": 1.0})["first_frame"]
        rss = measured["median_peak_rss_mb"]
        extra = rss - base["median_peak_rss_mb"]
        print(
            f"| {title} | {measured['median_first_frame_ms']:.0f} ms | {ratio:.2f}x "
            f"| {measured['median_exit_ms']:.0f} ms | {rss:.1f} MB ({extra:+.1f}) |"
        )
    print()
    print(f"All samples: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
