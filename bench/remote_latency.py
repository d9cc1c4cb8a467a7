"""How quickly a relative's change reaches the senior's screen, with other relatives busy.

Run from anywhere, after ``packaging/dev.sh setup``:

    .venv/bin/python bench/remote_latency.py [--changes 200] [--pollers 20]

One process runs the shell offscreen (1280x800, the demo profile in a new temporary home)
with its remote-help server on 127.0.0.1, as Leling runs. Worker threads are the
relatives' phones, over real HTTP on loopback:

* ``--pollers`` clients each ask ``GET /api/status`` every ``--poll-ms`` (250 ms: faster
  than the web app polls anything);
* one client sends ``--changes`` changes with ``PATCH /api/settings``, one after another.

Each change is timed from just before its request is sent to the first paint of the
shell's window after the launcher has applied it (an event filter on the application
notes paints; ``time.perf_counter()`` throughout). Two kinds of change are measured:

* **a contact's name** (the change is applied, announced on a new screen, and painted);
* **text size** 100 % ↔ 125 % (the style sheet of the whole application is rebuilt and
  every widget is laid out again: the heaviest change a relative can make).

Prints a markdown table of p50 and p95 per kind and writes every sample to
``bench/results/remote.json``.
"""

from __future__ import annotations

import argparse
import datetime
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
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import requests  # noqa: E402
from PySide6.QtCore import QEvent, QObject, QTimer, Signal  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from launcher.core.instance import open_instance  # noqa: E402
from launcher.ui.app import build_window  # noqa: E402

DEFAULT_OUTPUT = ROOT / "bench" / "results" / "remote.json"


class Finished(QObject):
    """Tells the UI thread, from a worker, that the run is over."""

    done = Signal()


class PaintClock(QObject):
    """Notes the time of the first paint after each applied change."""

    def __init__(self) -> None:
        super().__init__()
        self.applied = False
        self.painted_at: float | None = None
        self.done = threading.Event()

    def arm(self) -> None:
        self.applied = False
        self.painted_at = None
        self.done.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.applied and self.painted_at is None and event.type() == QEvent.Type.Paint:
            self.painted_at = time.perf_counter()
            self.done.set()
        return False


#: The polling phones: N threads, each asking for the status every poll-ms; on SIGTERM
#: each prints how many answers it had.
POLLER = """
import signal, sys, threading, requests
base, token, count, every = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
stop = threading.Event()
counts = [0] * count
def poll(number):
    with requests.Session() as session:
        while not stop.is_set():
            answer = session.get(base + "/api/status", timeout=30,
                                 headers={"Authorization": "Bearer " + token})
            answer.raise_for_status()
            counts[number] += 1
            stop.wait(every / 1000)
threads = [threading.Thread(target=poll, args=(n,), daemon=True) for n in range(count)]
for thread in threads:
    thread.start()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
while not stop.is_set():
    stop.wait(0.2)
for thread in threads:
    thread.join(timeout=5)
print(*counts, sep="\\n")
"""


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--pollers", type=int, default=20)
    parser.add_argument("--poll-ms", type=int, default=250)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    home = tempfile.mkdtemp(prefix="leling-bench-remote-")
    instance = open_instance(home, entry_points=False)
    app = QApplication.instance() or QApplication(sys.argv)
    window = build_window(instance, windowed=True)
    window.resize(1280, 800)
    window.show()
    remote = window.start_remote(port=0)
    helper, token = remote.api.book.add("Bench")
    del helper
    clock = PaintClock()
    app.installEventFilter(clock)
    original = remote.settings_changed

    def settings_changed(change: Any, announcement: str) -> None:
        original(change, announcement)
        clock.applied = True

    remote.settings_changed = settings_changed  # type: ignore[method-assign]

    base = remote.url.rstrip("/")
    headers = {"Authorization": f"Bearer {token}"}

    finished = Finished()
    finished.done.connect(app.quit)
    samples: dict[str, list[float]] = {"contact name": [], "text size": []}
    failures: list[str] = []

    def change_all() -> None:
        contacts = instance.settings["contacts"]
        with requests.Session() as session:
            for index in range(args.changes):
                kind = "contact name" if index % 2 == 0 else "text size"
                if kind == "contact name":
                    renamed = [dict(contacts[0], name=f"王小明 {index}"), *contacts[1:]]
                    changes: dict[str, Any] = {"contacts": renamed}
                else:
                    changes = {"text_scale": 125 if index % 4 == 1 else 100}
                clock.arm()
                started = time.perf_counter()
                answer = session.patch(
                    f"{base}/api/settings", json={"changes": changes}, headers=headers, timeout=30
                )
                if answer.status_code != 200:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")
                    continue
                if not clock.done.wait(30):
                    failures.append("no paint within 30 s")
                    continue
                assert clock.painted_at is not None
                samples[kind].append((clock.painted_at - started) * 1000)
        # Qt objects belong to the UI thread: a queued signal asks it to quit.
        finished.done.emit()

    # The other phones poll from a process of their own, as phones do from elsewhere:
    # in this process their Python would compete with the launcher for the interpreter.
    pollers = subprocess.Popen(
        [sys.executable, "-c", POLLER, base, token, str(args.pollers), str(args.poll_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    changer = threading.Thread(target=change_all, daemon=True)
    QTimer.singleShot(1000, changer.start)
    app.exec()
    changer.join()
    pollers.terminate()
    polled, _ = pollers.communicate(timeout=30)
    polls = [int(line) for line in polled.split()] or [0]
    window.leave()

    if failures:
        print("failures:", *failures[:5], sep="\n  ")
        return 1
    rows = []
    for kind, values in samples.items():
        rows.append(
            {
                "change": kind,
                "count": len(values),
                "p50_ms": round(statistics.median(values), 1),
                "p95_ms": round(percentile(values, 0.95), 1),
                "max_ms": round(max(values), 1),
            }
        )
    print(
        f"{args.changes} changes, {args.pollers} clients polling every {args.poll_ms} ms "
        f"({sum(polls)} polls)\n"
    )
    print("| change | changes | p50 | p95 | max |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['change']} | {row['count']} | {row['p50_ms']} ms | {row['p95_ms']} ms "
            f"| {row['max_ms']} ms |"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "when": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                "machine": platform.platform(),
                "python": platform.python_version(),
                "pollers": args.pollers,
                "poll_ms": args.poll_ms,
                "polls": sum(polls),
                "results": rows,
                "samples_ms": samples,
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
