"""The medical card as a vCard 3.0 (RFC 2426), for the QR code a paramedic's phone reads.

Text values are escaped as the RFC asks (backslash, comma, semicolon, line break) and
long lines folded at 75 octets, never inside a character. No Qt here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: RFC 2425 §5.8.1: lines longer than 75 octets are folded.
FOLD_OCTETS = 75


def escape(text: str) -> str:
    """A text value as RFC 2426 §4 wants it: ``\\\\``, ``\\,``, ``\\;`` and ``\\n``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold one content line into pieces of at most 75 octets (UTF-8), each continuation
    starting with a space, so no character is split."""
    pieces: list[str] = []
    current = ""
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = FOLD_OCTETS if not pieces else FOLD_OCTETS - 1
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


@dataclass(frozen=True)
class Phone:
    """An emergency contact's number, and the words for them in the NOTE."""

    number: str
    who: str


def build(
    *,
    name: str,
    birthday: str,
    phones: Sequence[Phone],
    note_lines: Sequence[str],
) -> str:
    """The vCard text, CRLF line ends. ``name`` is required by vCard 3.0 (FN and N);
    the other parts are left out when empty."""
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{escape(name)}", f"N:{escape(name)};;;;"]
    if birthday:
        lines.append(f"BDAY:{birthday}")
    for phone in phones:
        lines.append(f"TEL;TYPE=VOICE:{escape(phone.number)}")
    if note_lines:
        lines.append("NOTE:" + escape("\n".join(note_lines)))
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)
