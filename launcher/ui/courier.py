"""Delivers the outbox while Leling runs: alerts that could not go out at once are tried
again, with growing pauses, until every channel has taken them.

Sending happens on a worker thread (the network never holds up the screen); the next
try is scheduled back on the UI thread through a queued signal.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from launcher.core.instance import Instance
    from launcher.core.outbox import Outbox, Sender

log = logging.getLogger("leling.alerts")

#: However long the next pause, the outbox is looked at again after this long, for
#: alerts queued meanwhile by another Leling process (``leling notify``).
LONGEST_WAIT_S = 300


class AlertCourier(QObject):
    """Tries the outbox's due deliveries now and then, off the UI thread."""

    _finished = Signal(object)

    #: How long after start-up the outbox is first looked at.
    FIRST_LOOK_MS = 3000

    def __init__(
        self, instance: Instance, parent: QObject | None = None, sender: Sender | None = None
    ) -> None:
        # With a parent, Qt destroys it (and its timer) on the UI thread; left to Python's
        # garbage collector it could go on whichever thread collects.
        super().__init__(parent)
        self.instance = instance
        self._sender = sender
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.kick)
        self._finished.connect(self._schedule)

    @property
    def outbox(self) -> Outbox:
        from launcher.core.outbox import Outbox

        return Outbox(self.instance.profile_dir)

    def kick(self) -> None:
        """Try what is due now (on a worker thread); no-op while a try is under way."""
        # Not at import: the outbox is no part of drawing the first screen.
        from launcher.core.outbox import OUTBOX_FILE

        if self._busy:
            return
        if not (self.instance.profile_dir / OUTBOX_FILE).exists():
            self._schedule(None)  # no alert was ever queued: nothing to open
            return
        self._busy = True
        threading.Thread(target=self._deliver, name="leling-alerts", daemon=True).start()

    def _deliver(self) -> None:
        next_in: float | None = None
        try:
            from launcher.core.notify import apprise_sender

            outbox = self.outbox
            for delivery in outbox.send_due(self._sender or apprise_sender):
                log.info(
                    "alert %s to %s via %s: %s",
                    delivery.key,
                    delivery.contact,
                    delivery.where,
                    delivery.status if delivery.status == "delivered" else delivery.last_error,
                )
            next_in = outbox.next_due_in()
        except Exception:
            log.exception("delivering the outbox")
        self._finished.emit(next_in)

    def _schedule(self, next_in: object) -> None:
        self._busy = False
        wait = LONGEST_WAIT_S if not isinstance(next_in, float) else min(next_in, LONGEST_WAIT_S)
        self._timer.start(int(max(1.0, wait) * 1000))

    def stop(self) -> None:
        self._timer.stop()
