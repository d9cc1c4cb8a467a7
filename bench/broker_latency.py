"""Remote help through a broker: how quickly a relative's change reaches the senior's
screen, and what the idle connection costs.

Run from anywhere, after ``packaging/dev.sh setup`` (needs ``mosquitto``):

    .venv/bin/python bench/broker_latency.py [--changes 200] [--idle-s 600]

**Latency.** A mosquitto on 127.0.0.1 (TCP for the launcher, WebSockets for the relative,
as deployed). One process runs the shell offscreen (1280x800, the demo profile in a new
temporary home) with its broker link; a relative, a paho client in a worker thread with
the relative's side of :mod:`launcher.core.e2e`, sends ``--changes`` sealed changes one
after another. Each is timed from just before it is sealed to the first paint of the
window after the launcher applied it, and to the moment the relative has opened the
sealed answer. The same changes are then made over the local network (plain HTTP to the
launcher's own server, as ``bench/remote_latency.py`` does, without the pollers): the
baseline. Kinds alternate: a contact's name, and text size 100 % / 125 %.

**Idle cost.** Two shells are started side by side as processes (``python -m launcher``
offscreen, each in its own new home): one with remote help on the local network only
(``--remote-port 0``, the baseline), one also connected to the broker
(``--remote-broker``). After a settling pause, each one's CPU time (utime + stime from
``/proc``) is measured over ``--idle-s`` seconds (default 600), with the RSS at the end.

Prints markdown tables and writes every sample to ``bench/results/broker.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import socket
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

from launcher.core.e2e import RelativeEnd, SealError  # noqa: E402
from launcher.core.instance import open_instance  # noqa: E402
from launcher.ui.app import build_window  # noqa: E402

DEFAULT_OUTPUT = ROOT / "bench" / "results" / "broker.json"
TICKS = os.sysconf("SC_CLK_TCK")


class Finished(QObject):
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_mosquitto(folder: Path) -> tuple[subprocess.Popen[bytes], int, int]:
    port, ws_port = free_port(), free_port()
    config = folder / "mosquitto.conf"
    config.write_text(
        "user root\nper_listener_settings false\nallow_anonymous true\npersistence false\n"
        f"listener {port} 127.0.0.1\nlistener {ws_port} 127.0.0.1\nprotocol websockets\n"
    )
    process = subprocess.Popen(
        ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            for each in (port, ws_port):
                socket.create_connection(("127.0.0.1", each), timeout=1).close()
            return process, port, ws_port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("mosquitto did not start")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def change_for(index: int, contacts: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    if index % 2 == 0:
        return "contact name", {
            "contacts": [dict(contacts[0], name=f"王小明 {index}"), *contacts[1:]]
        }
    return "text size", {"text_scale": 125 if index % 4 == 1 else 100}


def measure_latency(args: argparse.Namespace, port: int, ws_port: int) -> dict[str, Any]:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    home = tempfile.mkdtemp(prefix="leling-bench-broker-")
    instance = open_instance(home, entry_points=False)
    app = QApplication.instance() or QApplication(sys.argv)
    window = build_window(instance, windowed=True)
    window.resize(1280, 800)
    window.show()
    remote = window.start_remote(port=0, broker=f"mqtt://127.0.0.1:{port}")
    link = remote.broker
    assert link is not None
    relative = RelativeEnd(link.identity.device, link.identity.public_key)
    remote.api.book.add("Bench", relative.public_key)
    _helper, token = remote.api.book.add("Bench HTTP")
    clock = PaintClock()
    app.installEventFilter(clock)
    original = remote.settings_changed

    def settings_changed(change: Any, announcement: str) -> None:
        original(change, announcement)
        clock.applied = True

    remote.settings_changed = settings_changed  # type: ignore[method-assign]

    answers: dict[str, float] = {}
    arrived = threading.Condition()

    def on_message(_client: Any, _userdata: Any, message: Any) -> None:
        try:
            opened = relative.open(bytes(message.payload))
        except SealError:
            return
        with arrived:
            answers[str(opened.get("id"))] = time.perf_counter()
            arrived.notify_all()

    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, transport="websockets")
    client.ws_set_options(path="/mqtt")
    client.on_connect = lambda c, *_: c.subscribe(relative.out_topic, qos=1)
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_message = on_message
    client.connect("127.0.0.1", ws_port)
    client.loop_start()

    finished = Finished()
    finished.done.connect(app.quit)
    samples: dict[str, dict[str, list[float]]] = {
        "broker": {"contact name": [], "text size": []},
        "local HTTP": {"contact name": [], "text size": []},
    }
    round_trips: list[float] = []
    failures: list[str] = []

    def run() -> None:
        try:
            if not subscribed.wait(10) or not link.connected.wait(10):
                failures.append("could not connect to the broker")
                return
            contacts = instance.settings["contacts"]
            for index in range(args.changes):
                kind, changes = change_for(index, contacts)
                clock.arm()
                started = time.perf_counter()
                request_id, payload = relative.request(
                    "PATCH", "/api/settings", {"changes": changes}
                )
                client.publish(relative.in_topic, payload, qos=1)
                if not clock.done.wait(30):
                    failures.append(f"broker change {index}: no paint within 30 s")
                    continue
                with arrived:
                    if not arrived.wait_for(lambda r=request_id: r in answers, 30):
                        failures.append(f"broker change {index}: no answer within 30 s")
                        continue
                assert clock.painted_at is not None
                samples["broker"][kind].append((clock.painted_at - started) * 1000)
                round_trips.append((answers[request_id] - started) * 1000)
            base = remote.url.rstrip("/")
            with requests.Session() as session:
                for index in range(args.changes):
                    kind, changes = change_for(index + 1, contacts)
                    clock.arm()
                    started = time.perf_counter()
                    answer = session.patch(
                        f"{base}/api/settings",
                        json={"changes": changes},
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=30,
                    )
                    if answer.status_code != 200 or not clock.done.wait(30):
                        failures.append(f"HTTP change {index}: {answer.status_code}")
                        continue
                    assert clock.painted_at is not None
                    samples["local HTTP"][kind].append((clock.painted_at - started) * 1000)
        finally:
            finished.done.emit()

    worker = threading.Thread(target=run, daemon=True)
    QTimer.singleShot(1000, worker.start)
    app.exec()
    worker.join()
    client.loop_stop()
    client.disconnect()
    window.leave()
    if failures:
        raise SystemExit("failures:\n  " + "\n  ".join(failures[:5]))
    rows = []
    for path, kinds in samples.items():
        for kind, values in kinds.items():
            rows.append(
                {
                    "path": path,
                    "change": kind,
                    "count": len(values),
                    "p50_ms": round(statistics.median(values), 1),
                    "p95_ms": round(percentile(values, 0.95), 1),
                    "max_ms": round(max(values), 1),
                }
            )
    return {
        "rows": rows,
        "samples_ms": samples,
        "answer_round_trip_ms": {
            "p50": round(statistics.median(round_trips), 1),
            "p95": round(percentile(round_trips, 0.95), 1),
        },
    }


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _status(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def measure_idle(args: argparse.Namespace, port: int) -> list[dict[str, Any]]:
    shells: dict[str, subprocess.Popen[bytes]] = {}
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for name, extra in (
        ("local network only (baseline)", ["--remote-port", "0"]),
        (
            "with the broker connection",
            ["--remote-port", "0", "--remote-broker", f"mqtt://127.0.0.1:{port}"],
        ),
    ):
        home = tempfile.mkdtemp(prefix="leling-bench-idle-")
        shells[name] = subprocess.Popen(
            [sys.executable, "-m", "launcher", "--home", home, "--windowed", *extra],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    try:
        time.sleep(args.settle_s)  # a benchmark's own pause: let both finish starting
        before = {name: _cpu_s(p.pid) for name, p in shells.items()}
        started = time.monotonic()
        time.sleep(args.idle_s)
        took = time.monotonic() - started
        rows = []
        for name, process in shells.items():
            if process.poll() is not None:
                raise SystemExit(f"{name}: the shell stopped")
            used = _cpu_s(process.pid) - before[name]
            rows.append(
                {
                    "shell": name,
                    "window_s": round(took),
                    "cpu_s": round(used, 3),
                    "cpu_percent": round(100 * used / took, 3),
                    "rss_mb": round(_status(process.pid, "VmRSS") / 1024, 1),
                    "threads": _status(process.pid, "Threads"),
                }
            )
        return rows
    finally:
        for process in shells.values():
            process.terminate()
        for process in shells.values():
            process.wait(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--idle-s", type=float, default=600, help="idle window (seconds)")
    parser.add_argument("--settle-s", type=float, default=10, help="pause before the window")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if shutil.which("mosquitto") is None:
        raise SystemExit("mosquitto is needed (packaging/dev.sh setup)")
    folder = Path(tempfile.mkdtemp(prefix="leling-bench-mosquitto-"))
    mosquitto, port, ws_port = start_mosquitto(folder)
    try:
        latency = measure_latency(args, port, ws_port)
        idle = measure_idle(args, port)
    finally:
        mosquitto.terminate()
        mosquitto.wait(10)

    print(f"{args.changes} changes each way, loopback mosquitto 127.0.0.1\n")
    print("| path | change | changes | p50 | p95 | max |")
    print("|---|---|---|---|---|---|")
    for row in latency["rows"]:
        print(
            f"| {row['path']} | {row['change']} | {row['count']} | {row['p50_ms']} ms "
            f"| {row['p95_ms']} ms | {row['max_ms']} ms |"
        )
    trip = latency["answer_round_trip_ms"]
    print(f"\nSealed answer back at the relative: p50 {trip['p50']} ms, p95 {trip['p95']} ms\n")
    print(f"Idle, {idle[0]['window_s']} s window:\n")
    print("| shell | CPU time | CPU | RSS | threads |")
    print("|---|---|---|---|---|")
    for row in idle:
        print(
            f"| {row['shell']} | {row['cpu_s']} s | {row['cpu_percent']} % "
            f"| {row['rss_mb']} MB | {row['threads']} |"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "when": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                "machine": platform.platform(),
                "python": platform.python_version(),
                "changes": args.changes,
                "latency": latency["rows"],
                "answer_round_trip_ms": trip,
                "idle": idle,
                "samples_ms": latency["samples_ms"],
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
