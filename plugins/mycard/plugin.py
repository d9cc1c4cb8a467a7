"""An emergency medical card: who the senior is, blood type, allergies, medicines,
conditions and whom to call, big on the screen, read aloud, and in a QR code a
paramedic's phone turns into a contact card.

The family fills it in through remote help (the tile's config); the name comes from the
senior's profile and the numbers from the contacts marked for emergencies. With a
Medicines tile, its current medicines come first, then the card's own list. Each part can
be kept out of the QR code (``qr_<part>`` in the config) and still be shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from launcher.api import BigLabel, Plugin, QrCanvas, Qt, QWidget, Screen

from .vcard import Phone, build

#: The QR code's side in px: a long card makes a dense code, which phones read more
#: surely when it is drawn large.
QR_SIDE = 360


@dataclass(frozen=True)
class Part:
    """One line of the card: its key (``name``, ``allergies`` …), its label and words."""

    key: str
    label: str
    text: str


def date_text(tr: Callable[..., str], iso: str) -> str:
    """``1948-03-12`` in the senior's words; the text as typed when it is no real date."""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return tr("mycard.date", day=day.day, month=tr(f"mycard.month.{day.month}"), year=day.year)


def _items(value: Any) -> list[str]:
    return [str(item).strip() for item in (value or []) if str(item).strip()]


class CardScreen(Screen):
    """The card's words on the left, the QR code on the right, "Read to me" below."""

    def __init__(self, plugin: MyCardPlugin, parts: Sequence[Part], qr_text: str) -> None:
        super().__init__()
        self.setObjectName("mycard")
        tr = plugin.context.tr
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(8, 0, 8, 0)
            layout.setSpacing(12)
        words = Screen()
        words_layout = words.layout()
        if words_layout is not None:
            words_layout.setContentsMargins(0, 0, 0, 0)
            words_layout.setSpacing(10)
        self.labels: dict[str, BigLabel] = {}
        for part in parts:
            role = "title" if part.key == "name" else "body"
            text = part.text if part.key == "name" else f"{part.label}{part.text}"
            label = BigLabel(text, role=role)
            label.setObjectName(f"card_{part.key}")
            self.labels[part.key] = label
            words.add(label)
        words.add_stretch()
        side = Screen()
        side_layout = side.layout()
        if side_layout is not None:
            side_layout.setContentsMargins(0, 0, 0, 0)
            side_layout.setSpacing(6)
        self.qr = QrCanvas(qr_text)
        self.qr.setObjectName("cardQr")
        self.qr.setAccessibleName(tr("mycard.qr.name"))
        self.qr_caption = BigLabel(tr("mycard.qr.caption"), role="caption")
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Square and at the top, so it is in view however long the card is.
        self.qr.setFixedSize(QR_SIDE, QR_SIDE)
        side.add(self.qr)
        side.add(self.qr_caption)
        side.add_stretch()
        self.add_row(words, side, stretches=(3, 2))


class MyCardPlugin(Plugin):
    """The medical card tile."""

    def gap(self) -> str:
        return "" if self.context.locale.startswith("zh") else " "

    def parts(self) -> list[Part]:
        """What the card shows, in order, leaving out what the family has not filled in."""
        tr = self.context.tr
        config = self.context.config
        senior = self.context.senior()
        joiner = tr("mycard.list_separator")
        found = [
            ("name", senior.name.strip()),
            ("birth_date", date_text(tr, str(config.get("birth_date", "")).strip())),
            ("blood_type", str(config.get("blood_type", "")).strip()),
            ("allergies", joiner.join(_items(config.get("allergies")))),
            ("medicines", joiner.join(self._medicines())),
            ("conditions", joiner.join(_items(config.get("conditions")))),
            ("notes", senior.medical.strip()),
            ("contacts", joiner.join(self._contact_words())),
        ]
        return [Part(key, tr(f"mycard.label.{key}"), text) for key, text in found if text]

    def _medicines(self) -> list[str]:
        """The medicines the reminders tile knows (when there is one), then those of the
        card's own list it does not have yet."""
        shared: list[str] = []
        try:
            answer = self.context.ask_plugin("medicine", {"action": "card"})
        except ValueError as exc:
            self.context.log.warning("the medicine tile did not answer the card: %s", exc)
            answer = None
        if answer is not None:
            shared = _items(answer.get("medicines"))
        own = _items(self.context.config.get("medicines"))
        return shared + [item for item in own if item not in shared]

    def _emergency(self) -> list[Any]:
        return [c for c in self.context.contacts() if c.emergency and c.phone.strip()]

    def _contact_words(self) -> list[str]:
        tr = self.context.tr
        words = []
        for contact in self._emergency():
            if contact.relation:
                words.append(
                    tr(
                        "mycard.contact.related",
                        name=contact.name,
                        relation=contact.relation,
                        phone=contact.phone,
                    )
                )
            else:
                words.append(tr("mycard.contact", name=contact.name, phone=contact.phone))
        return words

    def qr_text(self, parts: Sequence[Part]) -> str:
        """The vCard, without the parts the family keeps out of the QR code."""
        config = self.context.config
        shown = {part.key: part for part in parts if config.get(f"qr_{part.key}", True)}
        name = shown["name"].text if "name" in shown else self.context.tr("mycard.qr.no_name")
        birthday = str(self.context.config.get("birth_date", "")).strip()
        notes = [
            f"{shown[key].label}{shown[key].text}"
            for key in ("blood_type", "allergies", "medicines", "conditions", "notes", "contacts")
            if key in shown
        ]
        phones = []
        if "contacts" in shown:
            phones = [Phone(c.phone.strip(), c.name) for c in self._emergency()]
        return build(
            name=name,
            birthday=birthday if "birth_date" in shown else "",
            phones=phones,
            note_lines=notes,
        )

    def spoken(self, parts: Sequence[Part]) -> str:
        tr = self.context.tr
        sentences = [tr("mycard.spoken.title")]
        sentences += [tr("mycard.spoken.part", label=p.label, text=p.text) for p in parts]
        return self.gap().join(sentences)

    def create_screen(self) -> QWidget:
        tr = self.context.tr
        parts = self.parts()
        if not [p for p in parts if p.key != "name"]:
            self.context.tell_helper(
                "mycard: the medical card is empty: fill in the mycard tile's blood type, "
                "allergies, medicines or conditions"
            )
            screen = Screen()
            screen.setObjectName("mycardEmpty")
            title = BigLabel(tr("mycard.empty.title"), role="title")
            title.setObjectName("screenTitle")
            body = BigLabel(tr("mycard.empty.body"), role="body")
            screen.add(title)
            screen.add(body)
            screen.add_stretch()
            return screen
        words = self.spoken(parts)
        screen = CardScreen(self, parts, self.qr_text(parts))
        # Said once the shell has read the screen's title; the shell's "Read to me" reads
        # the card's lines again whenever the senior asks.
        self.context.after(0, lambda: self.context.say(words))
        return screen
