"""The least a PySide6 home screen like Leling's costs: a reference for bench/startup.py.

One 1280x800 window with what the senior sees first and nothing behind it: a header with
the time and the date, a 3x3 grid of tool buttons each with a built-in plugin's SVG icon
and its name under it, and a bar of Home, Back, Read aloud and Help me. It uses the warm
theme's colours and font families (CJK first) through one style sheet, and names Qt's
enums for alignment and the buttons' layout, as any such screen must. No settings, no
plugins, no translations, no voice: the time between this and the bare window is what the
screen itself costs in Qt, and the time between this and Leling is Leling's own.

Like the other programs of the benchmark, it writes the CLOCK_MONOTONIC time of its first
completely painted frame to stdout and quits.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QDateTime, QSize, Qt, QTimer
from PySide6.QtGui import QIcon, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
#: The bench's nine tiles: the clock, the contacts and seven web pages.
TILES = [("clock", "Clock"), ("contacts", "Contacts")] + [
    ("web", name) for name in ("News", "Weather", "Opera", "Recipes", "Health", "Radio", "Photos")
]
STYLE = """
QWidget { background: #FFF8EC; color: #1F1408; font-size: 28px;
  font-family: "Noto Sans CJK SC", "Noto Sans Arabic UI", "DejaVu Sans"; }
QLabel#clock { background: #6B2E10; color: #FFFFFF; font-size: 56px; padding: 12px 32px; }
QToolButton { background: #FFFFFF; border: 3px solid #8A4B1E; border-radius: 18px; }
QPushButton { background: #F3E6CF; border: 3px solid #8A4B1E; border-radius: 18px;
  min-height: 72px; }
"""


def first_frame_done() -> None:
    print(time.clock_gettime(time.CLOCK_MONOTONIC), flush=True)
    QApplication.quit()


class Window(QWidget):
    painted = False

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            # Children paint after the window in the same pass: the frame is whole when
            # the event loop comes back.
            QTimer.singleShot(0, first_frame_done)


def main() -> int:
    app = QApplication(sys.argv)
    app.setStyleSheet(STYLE)
    window = Window()
    column = QVBoxLayout(window)
    now = QDateTime.currentDateTime()
    header = QLabel(f"{now.toString('HH:mm')}    {now.toString('dddd d MMMM yyyy')}")
    header.setObjectName("clock")
    header.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    column.addWidget(header)
    grid = QGridLayout()
    grid.setSpacing(24)
    column.addLayout(grid, 1)
    for index, (plugin, name) in enumerate(TILES):
        tile = QToolButton()
        tile.setText(name)
        tile.setIcon(QIcon(str(PLUGINS / plugin / "icon.svg")))
        tile.setIconSize(QSize(96, 96))
        tile.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        tile.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        grid.addWidget(tile, index // 3, index % 3)
    bar = QHBoxLayout()
    for label in ("Home", "Back", "Read aloud", "Help me"):
        bar.addWidget(QPushButton(label))
    column.addLayout(bar)
    window.resize(1280, 800)
    window.show()
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
