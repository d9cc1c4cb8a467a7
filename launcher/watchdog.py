"""``leling --watchdog``: keep Leling on the screen of a kiosk machine.

Leling runs as a child process. When it crashes (an exit code other than 0, or a
signal) it is started again after a pause that grows with each crash in a row (1 s, 2 s,
4 s… at most a minute) and starts over once it has run for a while. When staff leave
Leling with the PIN it exits with 0, and the watchdog stops too. Exit code 2 (a bad
option or file on the command line, said on stderr) stops it as well: starting again
would only fail again.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

log = logging.getLogger("leling.watchdog")

#: Pauses before the 1st, 2nd, 3rd… restart in a row; the last one repeats.
BACKOFF_SECONDS: tuple[float, ...] = (1, 2, 4, 8, 15, 30, 60)
#: A run at least this long counts as healthy: the next crash pauses the shortest time.
HEALTHY_SECONDS = 120.0
#: Leling's exit code for bad arguments or input (see launcher.cli).
USAGE_ERROR = 2


def leling_command(argv: Sequence[str]) -> list[str]:
    """The command that starts Leling with ``argv``, minus ``--watchdog`` itself."""
    return [sys.executable, "-m", "launcher", *(a for a in argv if a != "--watchdog")]


def describe_exit(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


def run_watchdog(
    command: Sequence[str],
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    backoff: Sequence[float] = BACKOFF_SECONDS,
    healthy_seconds: float = HEALTHY_SECONDS,
    max_restarts: int | None = None,
    run: Callable[[Sequence[str]], int] | None = None,
) -> int:
    """Run ``command`` until it exits with 0; returns 0 then. ``max_restarts`` (tests, or
    a centre that prefers a dark screen to a loop) gives up after that many crashes in a
    row, returning the last exit code."""
    start = run or (lambda cmd: subprocess.run(list(cmd), check=False).returncode)
    crashes = 0
    while True:
        began = clock()
        try:
            code = start(command)
        except OSError as exc:
            log.error("watchdog: cannot start %s: %s", command[0] if command else "?", exc)
            print(f"leling: the watchdog cannot start Leling ({exc})", file=sys.stderr)
            return 1
        if code == 0:
            log.info("watchdog: Leling was left; stopping")
            return 0
        if code == USAGE_ERROR:
            log.error("watchdog: Leling refused its command line; not starting it again")
            return code
        crashes = 1 if clock() - began >= healthy_seconds else crashes + 1
        if max_restarts is not None and crashes > max_restarts:
            log.error("watchdog: giving up after %d crashes in a row", crashes)
            return code
        pause = backoff[min(crashes, len(backoff)) - 1] if backoff else 0.0
        log.warning("watchdog: Leling stopped (%s); restarting in %gs", describe_exit(code), pause)
        print(
            f"leling: Leling stopped ({describe_exit(code)}); starting it again in {pause:g} s",
            file=sys.stderr,
            flush=True,
        )
        sleep(pause)
