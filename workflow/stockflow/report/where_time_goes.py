"""Where a rule's time goes: the functions with the most own time in its merged cProfile.

Two panels, both of own time (``tottime``: in the function itself, not in what it calls)
summed over the rule's jobs: by package (every second of the profile, so the shares add up to
its whole time) and the top functions, largest first, the rest as one grey bar. Own time is
what a faster parser, a skipped import or a smaller write removes; cumulative time would count
a function and its callees twice.
"""

import os
from typing import NamedTuple

from stockflow.report import figure

TOP = 12


class Spent(NamedTuple):
    label: str
    own_s: float  # tottime: the function alone, summed over the jobs
    cum_s: float  # cumtime: with what it calls
    calls: int


def _label(func: tuple[str, int, str]) -> str:
    """``package/module.py:line name``, short: the path below site-packages (or the repo)."""
    path, line, name = func
    if path == "~":  # a builtin: cProfile names it "<built-in method ...>" or "{method ...}"
        return name.strip("{}<>")[:60]
    parts = path.replace(os.sep, "/").split("/")
    for anchor in ("site-packages", "lib-dynload", "workflow"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor) :]
            break
    else:
        parts = parts[-2:]
    return f"{'/'.join(parts)}:{line} {name}"[:70]


# Built-ins that load modules: extension modules, byte code, source compiled on import.
_IMPORTING = (
    "<built-in method _imp.",
    "<built-in method marshal.",
    "<built-in method builtins.compile",
)


def package(path: str, name: str = "") -> str:
    """Whose code a profiled function is: a package, stockflow, the stdlib, imports, built-ins."""
    if path == "~":
        return "imports (importlib)" if name.startswith(_IMPORTING) else "built-in calls"
    if path.startswith("<frozen importlib"):
        return "imports (importlib)"
    parts = path.replace(os.sep, "/").split("/")
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if "stockflow" in parts:
        return "stockflow"
    return "python stdlib"


def by_package(stats) -> list[tuple[str, float]]:
    """Own time per package, largest first."""
    sums: dict[str, float] = {}
    for (path, _, name), (_, _, tt, _, _) in stats.stats.items():
        who = package(path, name)
        sums[who] = sums.get(who, 0.0) + tt
    return sorted(sums.items(), key=lambda kv: kv[1], reverse=True)


def jobs_in(stats, stage: str) -> int:
    """How many jobs a merged profile adds up: the calls of the stage's ``main``."""
    return sum(
        v[1]
        for (path, _, name), v in stats.stats.items()
        if name == "main" and path.replace(os.sep, "/").endswith(f"stockflow/{stage}.py")
    )


def top(stats, n: int = TOP) -> tuple[list[Spent], float]:
    """The ``n`` functions with the most own time, and the profile's whole time."""
    rows = [
        Spent(_label(func), tt, ct, nc)
        for func, (_, nc, tt, ct, _) in stats.stats.items()
        if tt > 0
    ]
    rows.sort(key=lambda r: r.own_s, reverse=True)
    return rows[:n], sum(r.own_s for r in rows)


def _bars(ax, labels, seconds, total, colors, notes):
    y = list(range(len(labels)))[::-1]
    ax.barh(y, seconds, color=colors)
    ax.set_yticks(y, labels, fontsize=8, family="monospace")
    for yy, s, note in zip(y, seconds, notes, strict=True):
        share = 100 * s / total if total else 0
        ax.text(s, yy, f" {s:.3f} s ({share:.0f}%){note}", va="center", fontsize=8)
    ax.set_xlim(0, max(seconds, default=0) * 1.5 or 1)


def plot_where_time_goes(stage: str, profile: str, out: str) -> str:
    import pstats

    stats = pstats.Stats(profile)
    rows, total = top(stats)
    packages = by_package(stats)[:8]
    jobs = jobs_in(stats, stage)
    fig = figure.figure(1000, 200 + 26 * (len(packages) + len(rows) + 1))
    ax_pkg, ax_fn = fig.subplots(2, 1, height_ratios=[len(packages), len(rows) + 1])
    c = figure.color(stage)
    names = [p for p, _ in packages]
    _bars(ax_pkg, names, [s for _, s in packages], total, [c] * len(names), [""] * len(names))
    ax_pkg.set_title("by package", fontsize=9, loc="left")
    rest = total - sum(r.own_s for r in rows)
    _bars(
        ax_fn,
        [r.label for r in rows] + ["everything else"],
        [r.own_s for r in rows] + [rest],
        total,
        [c] * len(rows) + ["#BBBBBB"],
        [f", {r.calls:,} calls" for r in rows] + [""],
    )
    ax_fn.set_title(f"top {len(rows)} functions", fontsize=9, loc="left")
    ax_fn.set_xlabel("own time, seconds (summed over the rule's jobs)")
    fig.suptitle(
        f"{stage}: where {jobs} job{'s' if jobs != 1 else ''}' {total:.2f} s of profiled time go"
        " (own time)",
        fontsize=10,
    )
    figure.save(fig, out)
    most = f"; most in {packages[0][0]} ({packages[0][1]:.3f} s)" if packages else ""
    return f"{out}: {stage}, {jobs} jobs, {total:.2f} s profiled{most}"
