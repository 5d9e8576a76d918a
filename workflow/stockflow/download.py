"""Stage 1: fetch one ticker's daily quotes and write the normalized CSV.

    python -m stockflow.download TICKER OUT.csv [--url T | --path T] [--format F] ...
    python -m stockflow.download TICKER OUT.csv --provider NAME --key-env VAR [VAR] ...

Without --url/--path/--provider the embedded offline source is used. A provider
(``sources.providers``) reads its key from the environment variable(s) --key-env names; the
key itself is never an argument. With a provider and --history-dir, the days a previous run
stored there are kept and only the days after the last one are asked for
(``nightly.daily_history``); --refetch-from DATE asks again from that day on. The output is
only written once the whole answer has been validated as quotes, and atomically.
"""

import argparse
import datetime as dt
import os

from stockflow import StockflowError, atomic, cli, defaults, quotes
from stockflow.runlog import joblog
from stockflow.sources import http
from stockflow.sources.origins import EMBEDDED_FORMAT, Source, fetch


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m stockflow.download", description=__doc__)
    p.add_argument("ticker")
    p.add_argument("out", help="normalized CSV: date,open,high,low,close,volume")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--url", help="http(s) URL template with {ticker}")
    where.add_argument("--path", help="local file template with {ticker}")
    where.add_argument("--provider", help="a quote provider by name (stockflow.sources.providers)")
    d = defaults.SOURCE
    p.add_argument(
        "--format",
        choices=quotes.FORMATS,
        default=d["format"],
        help="of --url/--path (the embedded source is always quantquote)",
    )
    p.add_argument("--connect-timeout", type=float, default=d["connect_timeout"])
    p.add_argument("--read-timeout", type=float, default=d["read_timeout"])
    p.add_argument("--retries", type=int, default=d["retries"])
    p.add_argument(
        "--backoff",
        type=float,
        default=d["backoff"],
        help="seconds: retries wait 0, 2x, 4x, ... this",
    )
    p.add_argument("--max-bytes", type=int, default=d["max_bytes"])
    prov = p.add_argument_group("with --provider")
    prov.add_argument("--key-env", nargs="+", default=[], help="variable(s) holding the key")
    prov.add_argument("--base-url", help="the provider's host (a proxy, a mirror, a test)")
    prov.add_argument("--start", type=_date, help="first date asked for (default: from --days)")
    prov.add_argument("--end", type=_date, help="last date asked for (default: today)")
    prov.add_argument(
        "--history-dir",
        help="where the days asked for are kept between runs (TICKER.csv): ask only for the rest",
    )
    prov.add_argument(
        "--bulk-dir",
        help="where a whole market's days are kept: a few missing days come from the provider's "
        "one-request-per-day endpoint, shared by the run's downloads",
    )
    prov.add_argument(
        "--refetch-from",
        type=_date,
        help="ask again for every day from this one on (providers that revise past days)",
    )
    prov.add_argument(
        "--days", type=int, default=defaults.SYNTH["days"], help="trading days wanted"
    )
    prov.add_argument("--requests-per-minute", type=float, help="default: the provider's")
    prov.add_argument("--rate-dir", default=d["rate_dir"], help="where the budget is kept")
    prov.add_argument(
        "--max-throttle-wait",
        type=float,
        default=d["max_throttle_wait"],
        help="longest wait (s) a provider's throttling answer may ask for",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    opts = http.Options(
        args.connect_timeout, args.read_timeout, args.retries, args.backoff, args.max_bytes
    )
    if args.provider:
        from stockflow.sources.providers import fetching

        settings = fetching.Settings(
            provider=args.provider,
            key_env=tuple(args.key_env),
            base_url=args.base_url,
            start=args.start,
            end=args.end,
            days=args.days,
            requests_per_minute=args.requests_per_minute,
            rate_dir=args.rate_dir,
            max_throttle_wait=args.max_throttle_wait,
        )
        rows, warnings, where = _fetch_missing(args, settings, opts)
    else:
        if args.url:
            kind, template = "url", args.url
        elif args.path:
            kind, template = "path", args.path
        else:
            kind, template = "embedded", ""
        source = Source(
            kind=kind,
            template=template,
            fmt=args.format if template else EMBEDDED_FORMAT,
            connect_timeout=opts.connect_timeout,
            read_timeout=opts.read_timeout,
            retries=opts.retries,
            backoff=opts.backoff,
            max_bytes=opts.max_bytes,
        )
        body, where = fetch(source, args.ticker)
        rows, warnings = quotes.parse(body, source.fmt, where)
    for w in warnings:
        cli.warn(w)
    data = quotes.to_csv(rows)
    atomic.write_bytes(args.out, data)
    cli.info(f"{where}: {len(rows)} days {rows[0].date}..{rows[-1].date} -> {args.out}")
    joblog.write(bytes=len(data), days=len(rows))


def _fetch_missing(args, settings, opts):
    """The kept days plus the provider's days after them: (rows, warnings, where).

    The kept days live in --history-dir, not in OUT: Snakemake deletes a job's outputs before
    it runs, and after a failed job it forgets them, so a kept output would not be made again.
    The history is written (atomically) before OUT, so a job killed between the two has lost
    nothing: the next run asks for nothing and writes OUT from it.
    """
    from stockflow.nightly import daily_history
    from stockflow.sources.providers import fetching

    if not args.history_dir:
        return fetching.fetch(args.ticker, settings, opts)
    history = os.path.join(args.history_dir, f"{args.ticker}.csv")
    stored = _stored(history)
    todo = daily_history.plan(stored, fetching.window(settings), args.refetch_from)
    cli.info(f"{args.ticker}: {todo.why} ({history})")
    if todo.ask is None:
        return stored, [], history
    try:
        rows, where = _new_days(args, settings, opts, todo)
        if not rows:
            cli.info(f"{where}: no new day")
            return stored, [], where
        # The answer's own warnings (rows sorted, prices rounded) come again from this check.
        merged, warnings = daily_history.merge(todo.keep, rows, history, where)
    except StockflowError:
        # recorded, so that the next run asks again (the Snakefile reads these)
        daily_history.mark_failure(args.history_dir, args.ticker)
        raise
    if merged != stored:
        atomic.write_bytes(history, quotes.to_csv(merged))
    return merged, warnings, where


def _new_days(args, settings, opts, todo) -> tuple[list, str]:
    """The days ``todo`` asks for, checked: from the market's days when the provider has a
    bulk endpoint and only a few are missing, else one request for the ticker's range."""
    from stockflow.nightly import marketdays
    from stockflow.sources.providers import fetching

    days = marketdays.weekdays(todo.ask)
    bulk = fetching.adapter(settings.provider).bulk is not None
    if not (args.bulk_dir and bulk and todo.keep and len(days) <= marketdays.MAX_DAYS):
        rows, _, where = fetching.fetch(
            args.ticker, settings, opts, todo.ask, some_days=bool(todo.keep)
        )
        return rows, where
    where = f"{args.ticker} ({settings.provider} market days {todo.ask.start}..{todo.ask.end})"
    raw = marketdays.rows_for(args.ticker, days, settings, opts, args.bulk_dir)
    if not raw:
        return [], where
    rows, _ = quotes.from_rows(raw, where)
    return rows, where


def _stored(path: str) -> list:
    """The days a previous run kept, or none. A file that no longer reads back as quotes
    (edited by hand) is not trusted: the whole window is asked for again."""
    try:
        return quotes.read_csv(path)
    except FileNotFoundError:
        return []
    except StockflowError as exc:
        cli.warn(f"{exc}; asking for the whole window again")
        return []


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
