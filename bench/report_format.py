"""The numbers and Markdown of RESULTS.md: medians, pairwise ratios, rounding, tables (stdlib)."""

import statistics

NAN = float("nan")


def med(xs) -> float:
    xs = list(xs)
    return statistics.median(xs) if xs else NAN


def med_known(xs) -> float:
    """The median of the values that were measured (a peak is None when no process was seen)."""
    return med(x for x in xs if x is not None)


def pair_ratio(a: list[float], b: list[float]) -> float:
    """Median over reps of a[i] / b[i]: both runs of a pair come from the same rep."""
    return med(x / y for x, y in zip(a, b, strict=True) if y > 0)


def per_file_ratio(a: list[dict], b: list[dict]) -> float:
    """Median over (rep, file) of a's seconds / b's seconds for the same file in the same rep."""
    return med(ra[f] / rb[f] for ra, rb in zip(a, b, strict=True) for f in ra if rb.get(f))


def secs(x: float) -> str:
    if x != x:
        return "n/a"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 10 else f"{x:.1f}"


def times(x: float) -> str:
    return "n/a" if x != x else f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]
