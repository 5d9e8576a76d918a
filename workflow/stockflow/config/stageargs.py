"""Each stage's command-line arguments and resources, from the validated config.

Computed once when the workflow is parsed, not per job: a rule's params are these tuples
(Snakemake leaves tuples alone, and shells them with ``{params.x:q}``, one quoted word per
item), and its resources plain numbers. Callables per job cost Snakemake an ``inspect`` of the
function at every job: at 10,000 tickers that was a fifth of the planning time. Stdlib only.
"""

from stockflow import resources
from stockflow.config import session_clock

# The stores a night reads again (what each holds and why: stockflow.resources)
HISTORY_DIR = resources.HISTORY_DIR
BULK_DIR = resources.BULK_DIR
KEPT_DIR = resources.KEPT_DIR
SOURCE_TUNING = ("connect_timeout", "read_timeout", "retries", "backoff", "max_bytes")
# JSON-lines bytes per bar, measured at 1-minute bars of 2-3 decimal prices (21 MB / 175,200).
JSON_BYTES_PER_BAR = 122


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def provider(cfg: dict) -> str:
    """What source.provider means: a provider's name, or embedded, file, generic."""
    src = cfg["source"]
    if src["provider"]:
        return src["provider"]
    return "generic" if src["url"] else "file" if src["path"] else "embedded"


def key_env(cfg: dict) -> tuple[str, ...]:
    """The names of the variables holding a provider's key(s) (never the key)."""
    from stockflow.sources.providers import fetching

    name = provider(cfg)
    if name not in fetching.NAMES:
        return ()
    given = cfg["source"]["key_env"]
    if given is None:
        return tuple(fetching.adapter(name).key_env)
    return (given,) if isinstance(given, str) else tuple(given)


def download(cfg: dict) -> tuple[str, ...]:
    from stockflow.sources.providers import base, fetching

    src = cfg["source"]
    kind = provider(cfg)
    args = []
    if kind == "generic":
        args += ["--url", src["url"], "--format", src["format"]]
    elif kind == "file":
        args += ["--path", src["path"], "--format", src["format"]]
    elif kind != "embedded":
        args += ["--provider", kind, "--key-env", *key_env(cfg)]
        args += [f"--days={cfg['synth']['days']}", f"--rate-dir={src['rate_dir']}"]
        args += [f"--max-throttle-wait={src['max_throttle_wait']}"]
        for key in ("base_url", "start", "requests_per_minute", "refetch_from"):
            if src[key] is not None:
                args.append(f"{_flag(key)}={src[key]}")
        # The last day asked for is a parameter even when it is "today": on a new day every
        # download runs again, and asks only for the days it does not hold yet.
        args.append(f"--end={src['end'] or base.new_york_today().isoformat()}")
        args.append(f"--history-dir={HISTORY_DIR}")
        if src["bulk"] and fetching.adapter(kind).bulk is not None:
            args.append(f"--bulk-dir={BULK_DIR}")
    for key in SOURCE_TUNING:
        args += [_flag(key), str(src[key])]
    return tuple(args)


def _keep(cfg: dict, stage: str) -> tuple[str, ...]:
    """With ``periods`` (on by default): where the stage keeps its outputs between runs."""
    return (f"--keep-dir={KEPT_DIR}/{stage}",) if cfg["periods"] in (True, "true") else ()


def synthesize(cfg: dict) -> tuple[str, ...]:
    s = cfg["synth"]
    keys = ("days", "freq", "session_start", "session_end", "seed")
    return tuple(f"{_flag(k)}={s[k]}" for k in keys) + _keep(cfg, "synthesize")


def convert(cfg: dict) -> tuple[str, ...]:
    """The HDF5 options (threads and memory come from the job's own threads and mem_mb)."""
    h = cfg["hdf5"]
    keys = ("format", "complevel", "complib")
    return tuple(f"{_flag(k)}={h[k]}" for k in keys) + _keep(cfg, "convert")


def download_runtime(cfg: dict) -> str:
    """Minutes a download can take at worst: every try waiting out both timeouts, the backoff
    between tries (0, 2b, 4b, ...), and a minute for the rest."""
    import math

    src = cfg["source"]
    tries = src["retries"] + 1
    waits = sum(src["backoff"] * 2**k for k in range(1, src["retries"]))
    seconds = tries * (src["connect_timeout"] + src["read_timeout"]) + waits + 60
    return f"{math.ceil(seconds / 60)}m"


def bars_per_day(cfg: dict) -> int:
    s = cfg["synth"]
    return session_clock.bars_per_day(s["freq"], s["session_start"], s["session_end"])


def bars(cfg: dict) -> int:
    """Bars of one ticker at most: synth.days full sessions."""
    return cfg["synth"]["days"] * bars_per_day(cfg)


def synthesize_mem_mb(cfg: dict) -> int:
    # Measured peak: ~45 MB at 480 bars/day. Days go 32 at a time (CHUNK_DAYS in
    # stockflow/synthesize.py), so memory grows with bars per day, never with days.
    return 100 + (bars_per_day(cfg) * 32 * 400) // 2**20


def synthesize_runtime(cfg: dict) -> str:
    return f"{2 + bars(cfg) // 2_000_000}m"


def convert_runtime(cfg: dict) -> str:
    # ~50 MB of JSON a minute is far slower than measured (~100 MB/s): a safe wall-time limit.
    json_mb = bars(cfg) * JSON_BYTES_PER_BAR / 1e6
    return f"{2 + int(json_mb // 50)}m"


def plot_mem_mb(cfg: dict) -> int:
    # pandas + matplotlib (~170 MB measured) plus the ticker's bars, read whole (56 bytes a
    # bar, a few copies).
    return 300 + (bars(cfg) * 200) // 2**20


def batch_runtime(per_ticker: str, n_tickers: int) -> str:
    """A batch job's time limit: its tickers one after the other, each at its own limit."""
    if not per_ticker.endswith("m"):
        raise ValueError(f"runtime {per_ticker!r}: expected minutes, e.g. '4m'")
    return f"{int(per_ticker[:-1]) * n_tickers}m"
