"""Delivers the outbox while Leling runs: alerts that could not go out at once are tried
again, with growing pauses, until every channel has taken them; and SOS alarms nobody
has acknowledged escalate to the next circle when their time comes.

Sending happens on a worker thread (the network never holds up the screen); the next
try is scheduled back on the UI thread through a queued signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
        #: Remote help's address while it runs, for acknowledgement links in escalations.
        self.link_base: Callable[[], str | None] = lambda: None

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
        # Read on the UI thread, where settings change; the worker gets copies.
        contacts = [dict(contact) for contact in self.instance.settings.get("contacts", [])]
        link_base = self.link_base()
        threading.Thread(
            target=self._deliver, args=(contacts, link_base), name="leling-alerts", daemon=True
        ).start()

    def _deliver(self, contacts: Sequence[Mapping[str, Any]], link_base: str | None) -> None:
        next_in: float | None = None
        try:
            from launcher.core.alarm import ALARMS_FILE, Alarms
            from launcher.core.notify import alert_urls, apprise_sender

            outbox = self.outbox
            # Addresses the family has put right since: waiting alerts follow them.
            for contact in contacts:
                moved = outbox.reroute(str(contact.get("name", "")), alert_urls(contact))
                if moved:
                    log.info(
                        "%d waiting alert(s) to %s now go to its new channels",
                        moved,
                        contact.get("name"),
                    )
            alarms = None
            if (self.instance.profile_dir / ALARMS_FILE).exists():
                alarms = Alarms(self.instance.profile_dir, outbox)
                for state in alarms.escalate_due(contacts, link_base):
                    log.info("alarm %s: nobody answered; round %d", state.key, state.step + 1)
            for delivery in outbox.send_due(self._sender or apprise_sender):
                log.info(
                    "alert %s to %s via %s: %s",
                    delivery.key,
                    delivery.contact,
                    delivery.where,
                    delivery.status if delivery.status == "delivered" else delivery.last_error,
                )
                if delivery.status != "delivered":
                    # The family must fix a wrong address or a server that is down; the
                    # alert itself waits in the outbox meanwhile.
                    self.instance.report.add(
                        "alerts",
                        f"an alert to {delivery.contact} through {delivery.where} could not "
                        f"be sent ({delivery.last_error}); Leling keeps trying. Check this "
                        "address in the contact's 'alerts'",
                        once=True,
                    )
            waits = [outbox.next_due_in(), alarms.next_step_in() if alarms else None]
            next_in = min((wait for wait in waits if wait is not None), default=None)
        except Exception:
            log.exception("delivering the outbox")
        try:
            self._finished.emit(next_in)
        except RuntimeError:
            # The window closed while this round ran: what was sent is in the outbox,
            # and the next start goes on from there.
            log.info("the alert courier closed during a delivery round")

    def _schedule(self, next_in: object) -> None:
        self._busy = False
        wait = LONGEST_WAIT_S if not isinstance(next_in, float) else min(next_in, LONGEST_WAIT_S)
        self._timer.start(int(max(1.0, wait) * 1000))

    def stop(self) -> None:
        self._timer.stop()
