"""The medical card through the real shell: shown, said, and a QR code that zbarimg reads
back as the expected vCard 3.0, without the parts the family keeps out of it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import plugin_screen, record_speech, start_shell
from PySide6.QtWidgets import QWidget

from launcher.core.theme import load_theme
from launcher.ui.shell import ShellWindow
from launcher.ui.style import apply_theme

REPO = Path(__file__).resolve().parent.parent
SENIOR = {"name": "王芳 Wang Fang", "medical": "Pacemaker since 2019"}
CONTACTS = [
    {
        "name": "Wang Wei",
        "relation": {"zh_CN": "儿子", "en": "Son"},
        "phone": "138 0013 8000",
        "emergency": True,
    },
    {"name": "Li, Na", "relation": "Daughter", "phone": "+86 139 1234 5678", "emergency": True},
    {"name": "Neighbour Zhao", "phone": "010 1234 5678"},
]
CARD = {
    "birth_date": "1948-03-12",
    "blood_type": "A+",
    "allergies": ["Penicillin", "Peanuts; shellfish"],
    "medicines": ["Amlodipine 5 mg, every morning", "Metformin 500 mg\\twice a day"],
    "conditions": ["High blood pressure", "Type 2 diabetes"],
}


def card_shell(home: Path, qtbot: Any, config: dict[str, Any]) -> ShellWindow:
    """The shell with only the medical card tile (``config``), for Wang Fang's family."""
    return start_shell(
        home,
        qtbot,
        {
            "senior": SENIOR,
            "contacts": CONTACTS,
            "tiles": [{"plugin": "mycard", "config": config}],
        },
        locale="en",
    )


def decoded_qr(widget: QWidget, folder: Path) -> str:
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (zbar-tools) is not installed")
    path = folder / "card.png"
    assert widget.grab().save(str(path))
    done = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sbinary", str(path)], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def test_the_qr_code_is_the_card_as_a_vcard(home: Path, qtbot: Any, tmp_path: Path) -> None:
    window = card_shell(home, qtbot, CARD)
    said = record_speech(window)
    window.open_tile(0)
    screen = plugin_screen(window)
    assert screen.labels["name"].text() == "王芳 Wang Fang"
    assert screen.labels["allergies"].text() == "Allergies: Penicillin; Peanuts; shellfish"
    qtbot.waitUntil(lambda: any("Blood type: A+." in text for text in said))
    expected = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:王芳 Wang Fang\r\nN:王芳 Wang Fang;;;;\r\n"
        "BDAY:1948-03-12\r\nTEL;TYPE=VOICE:138 0013 8000\r\n"
        "TEL;TYPE=VOICE:+86 139 1234 5678\r\n"
    )
    text = decoded_qr(screen.qr, tmp_path)
    assert text.startswith(expected), text
    note = text[len(expected) :].replace("\r\n ", "")
    assert note == (
        "NOTE:Blood type: A+\\nAllergies: Penicillin\\; Peanuts\\; shellfish\\n"
        "Medicines: Amlodipine 5 mg\\, every morning\\; Metformin 500 mg\\\\twice a day\\n"
        "Conditions: High blood pressure\\; Type 2 diabetes\\n"
        "Also: Pacemaker since 2019\\n"
        "In an emergency call: Wang Wei (Son) 138 0013 8000\\; "
        "Li\\, Na (Daughter) +86 139 1234 5678\r\nEND:VCARD\r\n"
    )
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_hidden_parts_stay_out_of_the_qr_code_but_on_the_screen(
    home: Path, qtbot: Any, tmp_path: Path
) -> None:
    hidden = {
        "qr_allergies": False,
        "qr_contacts": False,
        "qr_birth_date": False,
        "qr_notes": False,
        "qr_name": False,
    }
    window = card_shell(home, qtbot, {**CARD, **hidden})
    window.open_tile(0)
    screen = plugin_screen(window)
    assert "allergies" in screen.labels and "contacts" in screen.labels
    text = decoded_qr(screen.qr, tmp_path).replace("\r\n ", "")
    assert "FN:Medical card\r\n" in text
    for absent in ("Penicillin", "TEL", "BDAY", "Wang", "Pacemaker", "138"):
        assert absent not in text
    assert "Blood type: A+" in text and "Metformin" in text


def test_long_text_wraps_and_nothing_is_cut_off_at_200_percent(
    home: Path, qtbot: Any, qapp: Any
) -> None:
    long_card = {
        **CARD,
        "medicines": [
            f"Medicine number {n}, one tablet after breakfast with a full glass of water"
            for n in range(8)
        ],
    }
    window = card_shell(home, qtbot, long_card)
    font, sheet = qapp.font(), qapp.styleSheet()
    apply_theme(qapp, load_theme(REPO / "themes" / "warm.toml"), 200)
    try:
        window.open_tile(0)
        screen = plugin_screen(window)
        labels = list(screen.labels.values())

        def laid_out() -> bool:
            return all(label.height() >= label.heightForWidth(label.width()) for label in labels)

        qtbot.waitUntil(laid_out)
        width = screen.width()
        for label in labels:
            assert label.wordWrap()
            assert label.mapTo(screen, label.rect().topRight()).x() <= width
        qr = screen.qr
        assert qr.mapTo(screen, qr.rect().bottomRight()).x() <= width
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setFont(font)
