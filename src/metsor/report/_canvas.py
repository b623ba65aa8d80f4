"""Matplotlib figures drawn without pyplot's global state, saved as PNG bytes."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from metsor.report.document import Figure

__all__ = ["ARM_COLOURS", "DPI", "new_figure", "to_figure"]

#: Resolution of the figures (dots per inch).
DPI = 144

#: Colours of the experimental and the reference arm (Okabe–Ito, readable by colour-blind
#: readers): vermillion, blue.
ARM_COLOURS: tuple[str, str] = ("#D55E00", "#0072B2")


def new_figure(width_in: float, height_in: float) -> MplFigure:
    """A new figure of the given size with the report's fonts."""
    figure = MplFigure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def to_figure(figure: MplFigure, caption: str) -> Figure:
    """The figure as PNG bytes in the report's model."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    width, height = figure.get_size_inches()
    return Figure(caption, buffer.getvalue(), float(width), float(height))
