"""Charts of survey results as PNG images, readable on a phone: one question per image, labels in the reader's
language.

matplotlib is imported when the first chart is drawn (no process pays for it at start) and only its Agg canvas is
used (no GUI, no global pyplot state), so charts can be drawn from several threads.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

#: Width of a chart in inches at `DPI`: 900 pixels, about a phone screen held upright at twice its density.
WIDTH = 6.0
DPI = 150
LABEL_WIDTH = 26
TITLE_WIDTH = 48
BAR_COLOUR = "#1f5fa8"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=True)) or text


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
    axes.set_title(_wrap(title, TITLE_WIDTH), fontsize=13, loc="left")
    if note:
        figure.text(0.01, 0.01, note, fontsize=9, color="#555555")
    figure.tight_layout(rect=(0, 0.04 if note else 0, 1, 1))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
