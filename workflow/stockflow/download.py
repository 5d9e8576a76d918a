"""Stage 1: fetch one ticker's daily quotes and write the normalized CSV.

    python -m stockflow.download TICKER OUT.csv [--url T | --path T] [--format F] ...

Without --url/--path the embedded offline source is used. The output is only written once the
whole body has been validated as quotes, and atomically.
"""

import argparse

from stockflow import atomic, cli, defaults, joblog, quotes
from stockflow.sources import EMBEDDED_FORMAT, Source, fetch


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m stockflow.download", description=__doc__)
    p.add_argument("ticker")
    p.add_argument("out", help="normalized CSV: date,open,high,low,close,volume")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--url", help="http(s) URL template with {ticker}")
    where.add_argument("--path", help="local file template with {ticker}")
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
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
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
        connect_timeout=args.connect_timeout,
        read_timeout=args.read_timeout,
        retries=args.retries,
        backoff=args.backoff,
        max_bytes=args.max_bytes,
    )
    body, where = fetch(source, args.ticker)
    rows, warnings = quotes.parse(body, source.fmt, where)
    for w in warnings:
        cli.warn(w)
    data = quotes.to_csv(rows)
    atomic.write_bytes(args.out, data)
    cli.info(f"{where}: {len(rows)} days {rows[0].date}..{rows[-1].date} -> {args.out}")
    joblog.write(bytes=len(data), days=len(rows))


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
