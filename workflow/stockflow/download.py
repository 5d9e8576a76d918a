"""Stage 1: fetch one ticker's daily quotes and write the normalized CSV.

    python -m stockflow.download TICKER OUT.csv [--url T | --path T] [--format F] ...

Without --url/--path the embedded offline source is used. The output is only written once the
whole body has been validated as quotes, and atomically.
"""

import argparse

from stockflow import atomic, cli, quotes
from stockflow.sources import EMBEDDED_FORMAT, Source, fetch


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m stockflow.download", description=__doc__)
    p.add_argument("ticker")
    p.add_argument("out", help="normalized CSV: date,open,high,low,close,volume")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--url", help="http(s) URL template with {ticker}")
    where.add_argument("--path", help="local file template with {ticker}")
    p.add_argument("--format", choices=quotes.FORMATS, default=None)
    p.add_argument("--connect-timeout", type=float, default=10.0)
    p.add_argument("--read-timeout", type=float, default=30.0)
    p.add_argument("--retries", type=int, default=3)
    p.add_argument(
        "--backoff", type=float, default=0.5, help="seconds: retries wait 0, 2x, 4x, ... this"
    )
    p.add_argument("--max-bytes", type=int, default=50_000_000)
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
        fmt=args.format or EMBEDDED_FORMAT,
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
    atomic.write_bytes(args.out, quotes.to_csv(rows))
    cli.info(f"{where}: {len(rows)} days {rows[0].date}..{rows[-1].date} -> {args.out}")


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
