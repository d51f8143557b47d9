"""Page zoom of the persona browsers: the steps a browser's Zoom In and Zoom Out go through."""

from __future__ import annotations

#: the zoom levels of the usual browsers, 25 % to 300 %
ZOOM_STEPS: tuple[float, ...] = (
    0.25,
    0.33,
    0.5,
    0.67,
    0.75,
    0.8,
    0.9,
    1.0,
    1.1,
    1.25,
    1.5,
    1.75,
    2.0,
    2.5,
    3.0,
)
ACTUAL_SIZE = 1.0
# Chromium hands back a factor it was given a hair off (1.1 as 1.1000000238...).
_SAME = 0.005


def zoomed_in(factor: float) -> float:
    """The next step above ``factor`` (``factor`` itself at 300 %)."""
    return next((step for step in ZOOM_STEPS if step > factor + _SAME), ZOOM_STEPS[-1])


def zoomed_out(factor: float) -> float:
    """The next step below ``factor`` (``factor`` itself at 25 %)."""
    return next((step for step in reversed(ZOOM_STEPS) if step < factor - _SAME), ZOOM_STEPS[0])


def is_actual_size(factor: float) -> bool:
    """Whether ``factor`` is 100 %."""
    return abs(factor - ACTUAL_SIZE) < _SAME


def zoom_label(factor: float) -> str:
    """``factor`` as the browsers show it: ``125 %``."""
    return f"{round(factor * 100)} %"


def stored_zoom(value: object) -> float:
    """A zoom factor read back from the layout file; 100 % for anything missing, broken or out of range."""
    try:
        factor = float(str(value))
    except ValueError:
        return ACTUAL_SIZE
    if not ZOOM_STEPS[0] - _SAME <= factor <= ZOOM_STEPS[-1] + _SAME:
        return ACTUAL_SIZE
    return factor
