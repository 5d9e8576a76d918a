"""The lesson's parallel map, over the fast converter: many files, one process per core.

    python -m stockflow.convert_pool --outdir DIR [--jobs N] IN.json... [convert's options]

Each IN.json becomes DIR/IN.h5 through ``stockflow.convert.convert_file``, in a
``ProcessPoolExecutor``; a bad file is reported and the others are converted. For use without
Snakemake (the workflow runs one convert job per ticker instead).
"""

import argparse
import os

from stockflow import StockflowError, cli, convert


def _convert_one(job: tuple) -> tuple[str, int | None, str | None]:
    src, out, opts = job
    try:
        return src, convert.convert_file(src, out, **opts), None
    except StockflowError as exc:
        return src, None, str(exc)


def convert_many(srcs: list[str], outdir: str, jobs: int, **opts) -> list[tuple]:
    """(src, bars or None, error or None) per file, in the order given."""
    from concurrent.futures import ProcessPoolExecutor

    work = [
        (s, os.path.join(outdir, os.path.splitext(os.path.basename(s))[0] + ".h5"), opts)
        for s in srcs
    ]
    if jobs <= 1:
        return [_convert_one(w) for w in work]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_convert_one, work))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m stockflow.convert_pool",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="IN.json", help="JSON lines of bars")
    p.add_argument("--outdir", required=True, help="where IN.h5 of each IN.json goes")
    p.add_argument("--jobs", type=int, default=os.cpu_count(), help="processes (default: cores)")
    convert.add_options(p)
    a = p.parse_args(argv)
    results = convert_many(a.files, a.outdir, a.jobs, **convert.options(a))
    failed = [err for _, _, err in results if err]
    for err in failed:
        cli.info(f"error: {err}")
    done = sum(1 for _, n, _ in results if n is not None)
    if failed:
        raise StockflowError(f"{len(failed)} of {len(results)} files failed; {done} converted")
    cli.info(f"{done} files -> {a.outdir}")


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
