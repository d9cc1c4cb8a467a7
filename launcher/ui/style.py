"""Turn a theme's tokens and the text scale into the application font and style sheet."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from launcher.core.i18n import is_rtl
from launcher.core.theme import Theme

MIN_TEXT_PX = 22
#: Smallest touch target at 100 % scale, in logical pixels.
MIN_TARGET_PX = 72

#: Families a language reads best in, moved to the front of a theme's list when the theme
#: has them: Hong Kong shapes some characters differently and centres its full stops.
#: Uyghur needs none: the CJK fonts have no Arabic letters, so they fall through to the
#: theme's Arabic font, while the CJK font's line height keeps the layout as in Chinese.
LOCALE_FONTS: dict[str, tuple[str, ...]] = {
    "zh_HK": ("Noto Sans CJK HK", "Noto Sans CJK TC"),
}


@dataclass(frozen=True)
class Metrics:
    """Pixel sizes derived from the theme's base size and the text scale."""

    body: int
    caption: int
    title: int
    huge: int
    tile: int
    clock: int
    header_date: int
    bar: int
    radius: int
    focus: int
    #: The words on the one decision of a screen (Yes, No, OK, Cancel).
    answer: int
    #: The digits on a number pad's keys.
    key: int
    #: The words on a number pad's keys (Delete, OK).
    key_word: int
    #: What a number pad shows as typed.
    display: int

    @classmethod
    def from_theme(cls, theme: Theme, scale_percent: int) -> Metrics:
        factor = scale_percent / 100

        def px(multiple: float) -> int:
            return max(MIN_TEXT_PX, round(theme.base_size * multiple * factor))

        return cls(
            body=px(1.0),
            caption=px(0.8),
            title=px(1.35),
            huge=px(2.6),
            tile=px(1.15),
            # The header is on every screen; past a size it only takes room from the
            # screen below it, so it grows more slowly than the rest of the text.
            clock=min(px(2.0), 84),
            header_date=min(px(1.35), 56),
            # Four buttons share the bar on every screen; their words must fit on one
            # line in every language, so the bar's text grows more slowly too.
            bar=min(px(1.0), 44),
            radius=theme.radius,
            focus=theme.focus_width,
            # Kit screens must fit 1280×800 under the header and bar even at 200 %;
            # past these sizes the words would push their own buttons off the screen.
            answer=min(px(1.35), 64),
            key=min(px(1.6), 64),
            key_word=min(px(1.0), 40),
            display=min(px(2.0), 96),
        )


def style_sheet(theme: Theme, metrics: Metrics) -> str:
    c = theme.colors
    m = metrics
    # The focus ring is thicker than the border; padding gives way by as much, so a
    # button keeps its size and its text's room when it takes the focus.
    grow = m.focus - 3
    return f"""
QWidget {{ background: {c["background"]}; color: {c["text"]}; font-size: {m.body}px; }}
QLabel {{ background: transparent; }}
QLabel[role="title"] {{ font-size: {m.title}px; font-weight: bold; }}
QLabel[role="huge"] {{ font-size: {m.huge}px; font-weight: bold; }}
QLabel[role="caption"] {{ font-size: {m.caption}px; color: {c["muted_text"]}; }}
QFrame#header, QFrame#header QLabel {{ background: {c["header"]}; color: {c["header_text"]}; }}
QLabel#clock {{ font-size: {m.clock}px; font-weight: bold; }}
QLabel#date, QFrame#header QLabel#screenTitle {{
    font-size: {m.header_date}px; font-weight: bold;
}}
QFrame#bar {{ background: {c["bar"]}; }}
QFrame#helpBanner {{ background: {c["bar"]}; border-bottom: {m.focus}px solid {c["focus"]}; }}
QFrame#helpBanner QLabel {{ background: {c["bar"]}; color: {c["bar_text"]}; }}
QPushButton {{
    background: {c["tile"]}; color: {c["tile_text"]};
    border: 3px solid {c["tile_border"]}; border-radius: {m.radius}px;
    padding: 12px 20px; font-size: {m.body}px; font-weight: bold;
    /* A style sheet min-height replaces the widget's own minimum: the content box plus
       padding and border must still be a 72 px target. */
    min-height: {max(round(m.body * 1.3), MIN_TARGET_PX - 2 * (12 + 3))}px;
}}
QFrame#bar QPushButton {{
    background: {c["bar"]}; color: {c["bar_text"]}; font-size: {m.bar}px;
}}
QPushButton[role="primary"], QFrame#bar QPushButton[role="primary"] {{
    background: {c["accent"]}; color: {c["accent_text"]};
}}
QPushButton[role="danger"], QFrame#bar QPushButton[role="danger"] {{
    background: {c["danger"]}; color: {c["danger_text"]};
}}
QPushButton[role="tile"], QPushButton[role="tile-unavailable"] {{ padding: 8px; }}
QLabel#tileText {{ font-size: {m.tile}px; font-weight: bold; color: {c["tile_text"]}; }}
QLabel#tileNote {{ font-size: {m.caption}px; color: {c["muted_text"]}; }}
QPushButton[role="tile-unavailable"] {{ background: {c["background"]}; border-style: dashed; }}
QLabel#tileText[unavailable="true"] {{ color: {c["muted_text"]}; }}
QPushButton[kit="answer"] {{ font-size: {m.answer}px; min-height: 88px; padding: 12px 24px; }}
QPushButton[kit="choice"] {{ text-align: left; padding: 12px 24px; min-height: 56px; }}
QPushButton[kit="choice"][selected="true"] {{
    background: {c["accent"]}; color: {c["accent_text"]};
}}
QPushButton[kit="key"] {{ padding: 4px; min-height: {MIN_TARGET_PX - 2 * (4 + 3)}px; }}
QPushButton[key="digit"] {{ font-size: {m.key}px; }}
QPushButton[key="word"] {{ font-size: {m.key_word}px; }}
QLabel#padDisplay {{
    font-size: {m.display}px; font-weight: bold;
    background: {c["tile"]}; color: {c["tile_text"]};
    border: 3px solid {c["tile_border"]}; border-radius: {m.radius}px; padding: 8px 16px;
}}
QLabel#padDisplay[long="true"] {{ font-size: {m.key}px; }}
QProgressBar#kitProgress {{
    background: {c["tile"]}; border: 3px solid {c["tile_border"]};
    border-radius: {m.radius}px; min-height: 48px; max-height: 48px;
}}
QProgressBar#kitProgress::chunk {{ background: {c["accent"]}; border-radius: {m.radius // 2}px; }}
QFrame#holdProgress {{ background: {c["accent_text"]}; border: none; border-radius: 4px; }}
QPushButton[role="tile"] QFrame#holdProgress,
QPushButton[role="tile-unavailable"] QFrame#holdProgress {{ background: {c["tile_text"]}; }}
QPushButton:focus {{
    border: {m.focus}px solid {c["focus"]}; padding: {12 - grow}px {20 - grow}px;
}}
QPushButton[role="tile"]:focus, QPushButton[role="tile-unavailable"]:focus {{
    padding: {8 - grow}px;
}}
QPushButton[kit="answer"]:focus, QPushButton[kit="choice"]:focus {{
    padding: {12 - grow}px {24 - grow}px;
}}
QPushButton:pressed {{ background: {c["accent"]}; color: {c["accent_text"]}; }}
QPushButton[role="tile"]:pressed {{ background: {c["bar"]}; }}
QPushButton[role="tile"][tone="alarm"], QPushButton[role="tile"][tone="alarm"]:pressed {{
    background: {c["danger"]};
}}
QPushButton[role="tile"][tone="alarm"] QLabel#tileText {{ color: {c["danger_text"]}; }}
QPushButton[role="tile"][tone="alarm"] QFrame#holdProgress {{ background: {c["danger_text"]}; }}
QPushButton:disabled {{
    background: {c["background"]}; color: {c["muted_text"]}; border-style: dashed;
}}
QScrollArea, QScrollArea > QWidget > QWidget {{ border: none; background: {c["background"]}; }}
QScrollBar:vertical {{ width: 72px; background: {c["bar"]}; }}
QScrollBar::handle:vertical {{ background: {c["accent"]}; min-height: 72px; border-radius: 8px; }}
"""


def font_families(families: tuple[str, ...], locale: str | None) -> list[str]:
    """The theme's font families, those that suit ``locale`` best first."""
    first = [family for family in LOCALE_FONTS.get(locale or "", ()) if family in families]
    return first + [family for family in families if family not in first]


def apply_theme(
    app: QApplication, theme: Theme, scale_percent: int, locale: str | None = None
) -> Metrics:
    """Set the application font (explicit CJK-capable family list) and the style sheet.

    With a ``locale``, its preferred fonts go first and the layout follows its writing
    direction: every layout, alignment and scroll bar mirrors for a right-to-left language.
    """
    metrics = Metrics.from_theme(theme, scale_percent)
    font = QFont()
    font.setFamilies(font_families(theme.font_families, locale))
    font.setPixelSize(metrics.body)
    app.setFont(font)
    app.setStyleSheet(style_sheet(theme, metrics))
    if locale is not None and app.isRightToLeft() != is_rtl(locale):
        # Only a change of direction names Qt's namespace: creating its enums is a
        # noticeable part of the start-up, and most starts keep left-to-right.
        from PySide6.QtCore import Qt

        app.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft if is_rtl(locale) else Qt.LayoutDirection.LeftToRight
        )
    return metrics
