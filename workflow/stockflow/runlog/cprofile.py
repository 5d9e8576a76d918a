"""cProfile inside the workflow's jobs: run a stage's main under the profiler.

With ``$STOCKFLOW_CPROFILE_OUT`` set to a path, ``stockflow.cli.run`` runs the stage's main
under cProfile and writes its stats there; the workflow sets it per job when config
``cprofile`` is on. ``stockflow.cprofile_merge`` adds up the profiles of a rule's jobs.
(Not Snakemake's execution profiles, ``profiles/``: those choose where jobs run.)
"""

from collections.abc import Callable

from stockflow import atomic

# The path a stage writes its cProfile stats to; empty or unset, nothing is profiled.
OUT_ENV = "STOCKFLOW_CPROFILE_OUT"


def run_profiled(main: Callable[[list[str] | None], None], argv: list[str] | None, out: str):
    """Run ``main(argv)`` under cProfile; if it succeeds, write its stats atomically to ``out``."""
    import cProfile

    profiler = cProfile.Profile()
    profiler.runcall(main, argv)
    with atomic.atomic_path(out) as tmp:
        profiler.dump_stats(tmp)
