"""The scales `bench/run.py --scale` takes: sizes, and which measurements each one makes."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    tickers: int
    days: int
    symlinked: bool = False  # many: reuse the embedded files under new names
    convert: bool = True  # the convert-stage contenders
    workflow: bool = False  # cold run + no-op rerun
    prep: bool = False  # the lesson's data preparation vs stockflow's synthesize
    big: bool = False  # one file over 1 GB converted within a 512 MB budget
    market: bool = False  # bench/market.py: planning, cold runs and reruns at 1k-10k tickers
    storage: bool = False  # bench/storage.py: the main job with every file in S3, vs local
    note: str = ""


SCALES = {
    "default": Scale("default", 29, 365, workflow=True, prep=True),
    "full": Scale(
        "full",
        29,
        4000,
        note="every day each source has (`synth.days: 4000`; ~3,926 days for aapl)",
    ),
    "many": Scale(
        "many",
        500,
        20,
        symlinked=True,
        convert=False,
        workflow=True,
        note="each name reuses one of the 29 embedded sources through a symlink "
        "(`source.path`, `source.format: quantquote`); synth.days 20 keeps the data small: "
        "this scale measures scheduling and no-op cost, not conversion",
    ),
    "market": Scale(
        "market",
        10000,
        5,
        convert=False,
        market=True,
        note="tickers from a ticker sheet, each a `source.path` symlink to one of the 29 embedded "
        "files; see bench/market.py for what each part measures",
    ),
    "storage": Scale(
        "storage",
        29,
        365,
        convert=False,
        storage=True,
        note="the main job cold, local and through `--profile profiles/s3` against SeaweedFS on "
        "127.0.0.1; see bench/storage.py",
    ),
    "big": Scale(
        "big",
        1,
        4000,
        convert=False,
        big=True,
        note="one file over 1 GB (aapl, every day, 10-second bars) converted by "
        "`python -m stockflow.convert --memory-mb 512`, checked against a conversion that "
        "holds the whole file in memory",
    ),
}
