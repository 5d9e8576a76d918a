"""Faults in the source data: each bad history is rejected with a clear message, or kept with a
logged warning and bars that are true to every quote, never a silent wrong bar.

One real Snakemake run with a local ``source.path``, one ticker per case, beside two clean ones.
"""

import dataclasses
import random

import pandas as pd
import pytest
from stockflow import quotes
from stockflow.sources import origins
from support import faultkit
from support.workflow import snakemake, write_config

pytestmark = pytest.mark.workflow

DAYS = 5  # synth.days of write_config, as in the reference run
HEADER = "Date,Open,High,Low,Close,Volume"


def embedded(ticker: str) -> list[quotes.Quote]:
    body, where = origins.fetch(origins.Source("embedded"), ticker)
    return quotes.parse(body, origins.EMBEDDED_FORMAT, where)[0]


def row(q: quotes.Quote) -> list[str]:
    return [
        q.date.isoformat(),
        repr(q.open),
        repr(q.high),
        repr(q.low),
        repr(q.close),
        str(q.volume),
    ]


def body(rows: list[list[str]]) -> str:
    return "\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n"


def with_field(q: quotes.Quote, col: int, value: str) -> list[str]:
    r = row(q)
    r[col] = value
    return r


def cases() -> tuple[dict, dict, dict]:
    """(source text per ticker, its quotes per tolerated case, (message, outcome) per rejected)."""
    ibm, aapl = embedded("ibm"), embedded("aapl")
    base = ibm[-20:]  # 20 real trading days
    shuffled = [row(q) for q in aapl]
    random.Random(7).shuffle(shuffled)
    # A hole of one day (base[10]) is normal; base[11] -> base[18] is a gap of over a week.
    holes = base[:10] + base[11:12] + base[18:]
    swapped = with_field(base[7], 2, repr(base[7].low))
    swapped[3] = repr(base[7].high)
    zero = [*base[:6], dataclasses.replace(base[6], volume=0), base[7]]
    assert base[6].high > base[6].low and base[7].high > base[7].low  # real price ranges
    text = {
        # Clean tickers, named as embedded ones: a run from the embedded source is the reference.
        "ibm": body([row(q) for q in ibm]),
        "aapl": body(shuffled),  # unsorted rows
        "missing_days": body([row(q) for q in holes]),
        "zero_volume": body([row(q) for q in zero]),
        "single_day": body([row(base[-1])]),
        "few_days": body([row(q) for q in base[-3:]]),
        "duplicate_dates": body([row(q) for q in base[:8]] + [row(base[4])]),
        "nan_field": body(
            [row(q) for q in base[:6]] + [with_field(base[6], 4, "NaN"), row(base[7])]
        ),
        "empty_field": body(
            [row(q) for q in base[:3]] + [with_field(base[3], 5, "")] + [row(q) for q in base[4:8]]
        ),
        "high_below_low": body([row(q) for q in base[:7]] + [swapped]),
    }
    kept = {
        "aapl": aapl,
        "missing_days": holes,
        "zero_volume": zero,
        "single_day": base[-1:],
        "few_days": base[-3:],
    }
    rejected = {  # (message, ledger outcome); line numbers count the header as line 1
        "duplicate_dates": (
            f"date {base[4].date} appears twice (lines 6 and 10); expected one row per day",
            "rejected: date appears twice (both lines named)",
        ),
        "nan_field": (
            "line 8: close 'NaN' is not a finite number",
            "rejected: not a finite number",
        ),
        "empty_field": ("line 5: volume is empty; expected a number", "rejected: field is empty"),
        "high_below_low": (
            f"line 9: high {base[7].low} is below low {base[7].high}; expected low <= high",
            "rejected: high below low",
        ),
    }
    return text, kept, rejected


def read(path) -> str:
    return path.read_text() if path.exists() else ""


def bar_problems(h5, source: list[quotes.Quote]) -> list[str]:
    """Every way the bars disagree with the last DAYS quotes of the source (sorted) or with
    themselves: one entry per wrong day or wrong bar."""
    want = {q.date: q for q in sorted(source, key=lambda q: q.date)[-DAYS:]}
    df = pd.read_hdf(h5, "data")
    unordered = df["timestamp"].diff() <= pd.Timedelta(0)
    problems = [f"bar {i}: not after the one before" for i in df.index[unordered]]
    bad = (
        (df["low"] > df[["open", "close"]].min(axis=1))
        | (df["high"] < df[["open", "close"]].max(axis=1))
        | (df["volume"] < 0)
    )
    problems += [f"bar {i}: outside its own low..high or negative volume" for i in df.index[bad]]
    days = df.groupby(df["timestamp"].dt.date).agg(
        open=("open", "first"),
        high=("high", "max"),
        low=("low", "min"),
        close=("close", "last"),
        volume=("volume", "sum"),
    )
    problems += [
        f"{d}: bars for a day not among the last {DAYS} of the source"
        for d in set(days.index) - set(want)
    ]
    problems += [f"{d}: no bars for a day of the source" for d in set(want) - set(days.index)]
    for d, got in days.iterrows():
        q = want.get(d)
        if q is not None:
            problems += [
                f"{d}: {col} {got[col]!r} != the quote's {getattr(q, col)!r}"
                for col in ("open", "high", "low", "close", "volume")
                if got[col] != getattr(q, col)
            ]
    return problems


# Where each tolerated case says so, and how the ledger reports it.
WARNINGS = {
    "aapl": (
        "download",
        "rows were not in date order; sorted them",
        "repaired: sorted, warning logged",
    ),
    "missing_days": (
        "download",
        "1 gap(s) of more than 7 calendar days",
        "tolerated: no bars invented, warning logged",
    ),
    "zero_volume": (
        "download",
        "1 day(s) have volume 0 although the price moved",
        "tolerated: bars of volume 0, warning logged",
    ),
    "single_day": (
        "synthesize",
        "has 1 day, fewer than synth.days=5; using all",
        "tolerated: all days used, warning logged",
    ),
    "few_days": (
        "synthesize",
        "has 3 days, fewer than synth.days=5; using all",
        "tolerated: all days used, warning logged",
    ),
}
CASE_NAMES = {
    "aapl": "unsorted rows",
    "missing_days": "missing days (a hole, a gap of over a week)",
    "zero_volume": "zero volume on a day with a price range",
    "single_day": "a single-day history",
    "few_days": "fewer days than synth.days",
    "duplicate_dates": "duplicate dates",
    "nan_field": "NaN field",
    "empty_field": "empty field",
    "high_below_low": "high < low",
}


def test_bad_source_data_is_rejected_clearly_or_kept_with_a_warning_and_true_bars(
    tmp_path, fault_ledger
):
    text, kept, rejected = cases()
    src = tmp_path / "src"
    src.mkdir()
    for t, t_text in text.items():
        (src / f"{t}.csv").write_text(t_text)
    work = tmp_path / "work"
    tickers = list(text)
    write_config(
        work, tickers=tickers, source={"path": str(src / "{ticker}.csv"), "format": "ohlcv"}
    )
    proc = snakemake(work, "--keep-going", *faultkit.data_targets(tickers), check=False)

    # The clean ticker: every output equal to a run from the embedded source. Its losses are
    # counted under every case of the run: any of them could have caused them.
    ref = faultkit.reference(["aapl", "ibm"])
    clean_lost, clean_corrupt, clean_found = faultkit.audit(work, ref, done=["ibm"])

    leftovers = faultkit.temp_leftovers(work)
    checks = {}
    for t, source in kept.items():
        lost = sum(not (work / s.format(t=t)).exists() for s in faultkit.STAGES.values())
        h5 = work / faultkit.STAGES["hdf5"].format(t=t)
        problems = bar_problems(h5, source) if h5.exists() else []
        if t == "aapl":  # sorted, the output is that of the sorted source: byte for byte
            _, _, found = faultkit.audit(work, ref, done=["aapl"])
            problems += [f for f in found if "differs" in f]
        log_name, warning, outcome = WARNINGS[t]
        log = read(work / f"logs/{log_name}/{t}.log")
        fault_ledger.record(
            "source data", CASE_NAMES[t], outcome, lost + clean_lost, len(problems) + clean_corrupt
        )
        checks[t] = (lost, problems, warning, log)
    for t, (message, outcome) in rejected.items():
        _, corrupt, found = faultkit.audit(work, ref, absent=[t])
        # Any file of the ticker, hidden temporaries (.TICKER.tmp-*) included.
        stray = [
            p
            for d in ("resources", "results")
            for p in (work / d).rglob("*")
            if p.name.lstrip(".").split(".")[0] == t
        ]
        fault_ledger.record(
            "source data", CASE_NAMES[t], outcome, clean_lost, corrupt + clean_corrupt
        )
        checks[t] = (found, stray, message, read(work / f"logs/download/{t}.log"))

    assert proc.returncode != 0
    assert (clean_lost, clean_corrupt) == (0, 0), clean_found
    assert leftovers == []
    for t in kept:
        lost, problems, warning, log = checks[t]
        assert (lost, problems) == (0, []), t
        assert f"stockflow: warning: {t}" in log and warning in log, (t, log)
    for t in rejected:
        found, stray, message, log = checks[t]
        assert found == [] and stray == [], (t, found, stray)
        # The ticker, the file, the line and what was expected, in the job's log.
        assert f"stockflow: error: {t} ({src / t}.csv): {message}" in log, (t, log)
