"""The charts of one ticker: its daily close over the period and one sample day's bars.

The sample day is the one with the widest range: its bars are drawn as candlesticks over
volume with the day's quoted high, low, open and close across, and every bar stays inside them.
"""

from stockflow import StockflowError, quotes
from stockflow.formats.hdf5 import read_bars
from stockflow.report.figure import DOWN, DPI, UP, figure, save


def sample_day(days: list[quotes.Quote]) -> quotes.Quote:
    """The day with the widest range relative to its open: the most telling one to draw."""
    return max(days, key=lambda q: ((q.high - q.low) / q.open if q.open else 0.0, q.date))


def plot_ticker(ticker: str, quotes_csv: str, bars_h5: str, close_out: str, day_out: str) -> str:
    """Write the two charts of one ticker; return a one-line description."""
    import numpy as np

    bars = read_bars(bars_h5)
    stamps = bars["timestamp"]
    if not len(stamps):
        raise StockflowError(f"{bars_h5}: no bars")
    days = stamps.astype("datetime64[D]")
    first, last = days[0].item(), days[-1].item()
    period = [q for q in quotes.read_csv(quotes_csv) if first <= q.date <= last]
    if not period:
        raise StockflowError(f"{quotes_csv}: no quotes between {first} and {last}")
    day = sample_day(period)
    mask = days == np.datetime64(day.date)
    one = {k: v[mask] for k, v in bars.items()}
    if not mask.any():
        raise StockflowError(f"{bars_h5}: no bars on {day.date}")
    _plot_close(ticker, period, day, close_out)
    _plot_day(ticker, day, one, day_out)
    return (
        f"{ticker}: {len(period)} days {first}..{last} -> {close_out}; "
        f"sample day {day.date} ({len(one['close'])} bars) -> {day_out}"
    )


def _plot_close(ticker: str, period: list[quotes.Quote], day: quotes.Quote, out: str) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    fig = figure(1000, 420)
    ax = fig.add_subplot()
    dates = [q.date for q in period]
    lows, highs, closes = ([getattr(q, k) for q in period] for k in ("low", "high", "close"))
    if len(period) <= 60:  # few days: each day's range as a bar
        ax.vlines(
            dates, lows, highs, color="#4C72B0", alpha=0.35, linewidth=6, label="day's low-high"
        )
        ax.plot(
            dates, closes, color="#4C72B0", linewidth=1.4, marker="o", markersize=4, label="close"
        )
    else:
        ax.fill_between(
            dates, lows, highs, color="#4C72B0", alpha=0.25, linewidth=0, label="day's low-high"
        )
        ax.plot(dates, closes, color="#4C72B0", linewidth=1.2, label="close")
    ax.axvline(
        day.date, color="#C44E52", linestyle="--", linewidth=1, label=f"sample day {day.date}"
    )
    if len(period) <= 12:
        ax.set_xticks(dates, [d.isoformat() for d in dates])
    else:
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.margins(x=0.02 if len(period) > 12 else 0.08)
    ax.set_title(
        f"{ticker}: daily close, {period[0].date} to {period[-1].date} ({len(period)} days)"
    )
    ax.set_ylabel("price")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    save(fig, out)


def _plot_day(ticker: str, day: quotes.Quote, bars: dict, out: str) -> None:
    import numpy as np

    width_px, n = 1000, len(bars["close"])
    fig = figure(width_px, 560)
    price, vol = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    x = np.arange(n)
    o, h, lo, c = (bars[k] for k in ("open", "high", "low", "close"))
    colors = np.where(c >= o, UP, DOWN)
    # Line collections, not bar(): one artist for all bars instead of a patch each (~0.5 s).
    body_pt = max(0.8 * 0.85 * width_px / n * 72 / DPI, 0.6)  # 80% of a bar's slot
    price.vlines(x, lo, h, colors=colors, linewidth=min(0.8, body_pt))
    top, bottom = np.maximum(o, c), np.minimum(o, c)
    doji = (top - bottom) < (day.high - day.low) * 0.002  # keep a flat body visible
    bump = (day.high - day.low) * 0.001
    price.vlines(
        x,
        np.where(doji, bottom - bump, bottom),
        np.where(doji, top + bump, top),
        colors=colors,
        linewidth=body_pt,
    )
    pad = (day.high - day.low) * 0.08 or abs(day.high) * 0.01 or 1.0
    levels = [(day.high, "high", "--"), (day.low, "low", "--")]
    levels += [(day.open, "open", ":"), (day.close, "close", ":")]
    levels.sort()
    gap = (day.high - day.low + 2 * pad) * 0.045  # labels at least a line of text apart
    text_y = [levels[0][0]]
    for level, _, _ in levels[1:]:
        text_y.append(max(level, text_y[-1] + gap))
    for (level, name, style), y in zip(levels, text_y, strict=True):
        price.axhline(level, color="#333333", linestyle=style, linewidth=0.9)
        price.annotate(
            f"quote {name} {level:g}",
            (1.0, level),
            xycoords=("axes fraction", "data"),
            xytext=(1.01, y),
            textcoords=("axes fraction", "data"),
            va="center",
            fontsize="small",
        )
    price.set_ylim(day.low - pad, day.high + pad)
    price.set_ylabel("price")
    price.grid(True, alpha=0.3)
    price.set_title(
        f"{ticker} on {day.date}: {n} synthesized bars inside the day's quoted range "
        f"{day.low:g}-{day.high:g}"
    )
    vol.vlines(x, 0, bars["volume"], colors=colors, linewidth=body_pt)
    vol.set_ylim(bottom=0)
    vol.set_ylabel("volume")
    vol.grid(True, alpha=0.3)
    step = max(1, n // 8)
    ticks = x[::step]
    labels = [str(t)[11:16] for t in bars["timestamp"][::step]]  # HH:MM
    vol.set_xticks(ticks, labels)
    vol.set_xlim(-1, n)
    save(fig, out)
