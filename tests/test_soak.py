"""100,000 UI updates in one process must neither crash nor grow memory.

PySide6 6.12.0 drops a reference to ``None`` on every Qt call that returns nothing; on
Python 3.10 and 3.11 the interpreter aborts with ``none_dealloc`` after about 5,000 such
calls. A launcher's clock makes that many calls within hours, so this keeps a future
PySide6 release from bringing the crash back unnoticed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

ITERATIONS = 100_000
WARM_UP = 10_000
MAX_RSS_GROWTH = 20 * 1024 * 1024
MAX_NONE_REFS_LOST = 1_000

# Runs in its own process: an abort would otherwise take the whole pytest run with it.
# A repaint per iteration costs about 45 µs offscreen, so the loop takes about 5 s.
SOAK_SCRIPT = textwrap.dedent(
    f"""
    import json
    import os
    import sys
    import time

    from PySide6 import __version__ as pyside_version
    from PySide6.QtWidgets import QApplication, QLabel

    PAGE = os.sysconf("SC_PAGE_SIZE")


    def rss():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE


    app = QApplication(sys.argv)
    label = QLabel("0")
    label.resize(400, 200)
    label.show()
    app.processEvents()

    none_refs_before = sys.getrefcount(None)
    rss_warm = None
    started = time.perf_counter()
    done = 0
    for i in range({ITERATIONS}):
        label.setText(str(i))
        label.repaint()
        done += 1
        if done == {WARM_UP}:
            rss_warm = rss()
    seconds = time.perf_counter() - started
    print(json.dumps({{
        "pyside6": pyside_version,
        "python": sys.version.split()[0],
        "iterations": done,
        "rss_at_{WARM_UP}": rss_warm,
        "rss_at_end": rss(),
        "none_refs_before": none_refs_before,
        "none_refs_after": sys.getrefcount(None),
        "seconds": round(seconds, 2),
    }}))
    """
)


def test_100k_label_updates_keep_process_alive_and_memory_flat() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", SOAK_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, (
        f"soak process exited with {proc.returncode} "
        f"(a negative code is a signal; -6 is the none_dealloc abort):\n{proc.stderr[-3000:]}"
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps(result, indent=2))

    assert result["iterations"] == ITERATIONS
    growth = result["rss_at_end"] - result[f"rss_at_{WARM_UP}"]
    assert growth < MAX_RSS_GROWTH, f"RSS grew {growth / 2**20:.1f} MB after warm-up: {result}"
    lost = result["none_refs_before"] - result["none_refs_after"]
    assert lost <= MAX_NONE_REFS_LOST, f"None lost {lost} references: {result}"
