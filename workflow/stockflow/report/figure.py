"""What every chart shares: a headless matplotlib figure, atomic saving, rule colours.

matplotlib runs headless (Agg) through ``matplotlib.figure.Figure``: no pyplot, no GUI, no
global state; it is imported on the first figure, once per job.
"""

import os

from stockflow import atomic, registry

DPI = 100
UP, DOWN = "#2E8B57", "#C0392B"  # a bar that closed above / below its open


def figure(width_px: int, height_px: int):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, layout="constrained")


def save(fig, out: str) -> None:
    with atomic.atomic_path(out) as tmp:
        fig.savefig(tmp, format=os.path.splitext(out)[1].lstrip(".") or "png")


def color(rule: str) -> str:
    return registry.color(rule)
