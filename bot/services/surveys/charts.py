"""Charts of survey results as PNG images, readable on a phone: one question per image, labels in the reader's
language.

matplotlib is imported when the first chart is drawn (no process pays for it at start) and only its Agg canvas is
used (no GUI, no global pyplot state), so charts can be drawn from several threads.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Width of a chart in inches at `DPI`: 900 pixels, about a phone screen held upright at twice its density.
WIDTH = 6.0
DPI = 150
LABEL_WIDTH = 26
TITLE_WIDTH = 48
BAR_COLOUR = "#1f5fa8"
#: The width of a character of the labels' font, in em (DejaVu Sans: mixed case, Latin or Cyrillic, with room).
CHAR_WIDTH = 0.62


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=True)) or text


def _margins(figure: Figure, height: float, *, heading: str, labels: Sequence[str], horizontal: bool,
             note: bool) -> None:
    """Room for the title, the labels and the note, reckoned from their lengths (matplotlib's tight layout measures
    every text by drawing the figure once more: a third of a chart's time)."""
    points = 1 / 72  # inches
    title_lines = heading.count("\n") + 1
    top = (title_lines * 13 * 1.3 + 10) * points
    bottom = (14 if note else 4) * points
    left = 8 * points
    if horizontal:
        longest = max((len(line) for label in labels for line in label.split("\n")), default=0)
        left += longest * 11 * CHAR_WIDTH * points
    else:
        label_lines = max((label.count("\n") + 1 for label in labels), default=1)
        bottom += (label_lines * 11 * 1.25 + 6) * points
    figure.subplots_adjust(left=min(left / WIDTH, 0.6), right=0.97, top=1 - top / height,
                           bottom=bottom / height)


def bar_chart(title: str, labels: Sequence[str], counts: Sequence[int], *, note: str = "",
              horizontal: bool = True) -> bytes:
    """A bar chart (PNG bytes) of `counts` per label, each bar showing its count and share.

    Horizontal bars (choices: long labels read on the left), or vertical ones (a scale: 1 to 5 from left to right).
    """
    from matplotlib.figure import Figure

    total = sum(counts) or 1
    wrapped = [_wrap(label, LABEL_WIDTH) for label in labels]
    lines = sum(label.count("\n") + 1 for label in wrapped)
    height = max(2.6, 1.2 + 0.42 * lines) if horizontal else 4.2
    figure = Figure(figsize=(WIDTH, height), dpi=DPI)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    if horizontal:
        bars = axes.barh(positions, counts, color=BAR_COLOUR)
        axes.set_yticks(positions, wrapped, fontsize=11)
        axes.invert_yaxis()  # the first choice on top, as in the form
        axes.set_xlim(0, max(counts or [1]) * 1.35 + 0.5)
        axes.xaxis.set_visible(False)
    else:
        bars = axes.bar(positions, counts, color=BAR_COLOUR)
        axes.set_xticks(positions, wrapped, fontsize=11)
        axes.set_ylim(0, max(counts or [1]) * 1.3 + 0.5)
        axes.yaxis.set_visible(False)
    for bar, count in zip(bars, counts, strict=True):
        share = f"{count} ({round(100 * count / total)} %)"
        if horizontal:
            axes.annotate(share, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(4, 0),
                          textcoords="offset points", va="center", fontsize=11)
        else:
            axes.annotate(share, (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 3),
                          textcoords="offset points", ha="center", fontsize=10)
    for side in ("top", "right") + (("bottom",) if horizontal else ("left",)):
        axes.spines[side].set_visible(False)
    heading = _wrap(title, TITLE_WIDTH)
    figure.suptitle(heading, x=0.02, y=0.99, ha="left", va="top", fontsize=13)
    if note:
        figure.text(0.01, 0.01, note, fontsize=9, color="#555555")
    _margins(figure, height, heading=heading, labels=wrapped, horizontal=horizontal, note=bool(note))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
