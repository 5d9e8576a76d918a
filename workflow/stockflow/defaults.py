"""Every configurable default, once (stdlib only: the Snakefile and every stage CLI import it).

The config schema (workflow/schemas/config.schema.yaml) states the same values for Snakemake's
validation, and config/config.yaml shows them to users; tests/test_defaults.py holds all three
equal, and the stage CLIs and functions take their defaults from here.
"""

from stockflow import resources

SOURCE = {
    "provider": None,
    "key_env": None,
    "base_url": None,
    "start": None,
    "end": None,
    "refetch_from": None,
    "bulk": True,
    "requests_per_minute": None,
    "parallel": 4,
    "rate_dir": resources.RATE_DIR,
    "max_throttle_wait": 120.0,
    "url": None,
    "path": None,
    "format": "quantquote",
    "connect_timeout": 10.0,
    "read_timeout": 30.0,
    "retries": 3,
    "backoff": 0.5,
    "max_bytes": 50_000_000,
}
SYNTH = {
    "days": 365,
    "freq": "1min",
    "session_start": "09:00",
    "session_end": "17:00",
    "seed": 42,
}
HDF5 = {"format": "table", "complevel": 0, "complib": "blosc:lz4"}
CONVERT = {"threads": 1, "memory_mb": 512}
# Keep each ticker's last JSON and HDF5 so a rerun re-makes only what changed (nightly/finished.py).
PERIODS = True
# Tickers per batch: a shard of the summaries, and one cluster job (README, "On a cluster").
BATCH_SIZE = 50
# Batch jobs: "auto" runs each data stage as one job per batch above BATCH_ABOVE tickers
# (README, "Scale"); true / false force either way.
BATCH_JOBS = "auto"
BATCH_ABOVE = 200
# Per-ticker charts: for at most this many tickers (a sample beyond), see stockflow.config.tickers.
REPORT = {"tickers": 4}
CPROFILE = False

# config key -> its defaults (a section's dict, or the value of a top-level key)
CONFIG = {
    "source": SOURCE,
    "synth": SYNTH,
    "hdf5": HDF5,
    "convert": CONVERT,
    "periods": PERIODS,
    "batch_size": BATCH_SIZE,
    "batch_jobs": BATCH_JOBS,
    "report": REPORT,
    "cprofile": CPROFILE,
}
