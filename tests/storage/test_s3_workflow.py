"""The whole workflow with every file in an S3 bucket (profiles/s3), against a real S3 server.

The server is SeaweedFS on loopback (tests/seaweed.py), started for the session with its own
made-up keys. Each test writes under a prefix of its own; the reference is a local run of the
same config (JSON byte for byte, HDF5 by read_hdf).
"""

import bz2
import io
import json
import shutil
import zipfile

import pandas as pd
import pytest
from stockflow.runlog import joblog
from stockflow.sources.origins import embedded_path
from support.s3kit import fresh_prefix, snakemake_s3
from support.workflow import ran, snakemake, write_config

pytestmark = pytest.mark.storage

TICKERS = ["aapl", "goog", "ibm"]
DAYS = 5
DATA = ("resources/quotes/{t}.csv", "results/json/{t}.json")


def setup(workdir, tickers=TICKERS):
    """A config whose sources are files of the work dir (so a test can change one)."""
    sources = workdir / "sources"
    sources.mkdir(parents=True)
    for t in tickers:
        shutil.copyfile(embedded_path(t), sources / f"{t}.csv.bz2")
    write_config(
        workdir,
        tickers=tickers,
        synth={"days": DAYS},
        source={"path": "sources/{ticker}.csv.bz2", "format": "quantquote"},
    )


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    work = tmp_path_factory.mktemp("local")
    setup(work)
    snakemake(work)
    return work


@pytest.fixture
def in_s3(s3, tmp_path, request):
    """A completed S3 run of this test's own, to change: (work dir, prefix)."""
    prefix = fresh_prefix(request.node.name)
    setup(tmp_path)
    snakemake_s3(tmp_path, s3, prefix)
    return tmp_path, prefix


@pytest.fixture(scope="module")
def s3_run(s3, tmp_path_factory):
    """One completed S3 run for the tests that only read it, ask for a no-op rerun or write a
    report beside it (none changes an input or an object): (work dir, prefix)."""
    work = tmp_path_factory.mktemp("s3-run")
    prefix = fresh_prefix("shared-run")
    setup(work)
    snakemake_s3(work, s3, prefix)
    return work, prefix


def h5_from_bucket(s3, key, tmp_path) -> pd.DataFrame:
    path = tmp_path / "from-bucket.h5"
    path.write_bytes(s3.get(key))
    return pd.read_hdf(path, "data")


def assert_bucket_equals_local(s3, prefix, local, tmp_path):
    """JSON byte for byte and HDF5 by read_hdf, every ticker, against the local run."""
    for t in TICKERS:
        for template in DATA:
            name = template.format(t=t)
            assert s3.get(f"{prefix}/{name}") == (local / name).read_bytes(), name
        got = h5_from_bucket(s3, f"{prefix}/results/hdf5/{t}.h5", tmp_path)
        pd.testing.assert_frame_equal(got, pd.read_hdf(local / f"results/hdf5/{t}.h5", "data"))


def test_the_bucket_holds_the_same_json_and_hdf5_as_a_local_run_then_a_rerun_is_a_noop(
    s3, s3_run, local, tmp_path
):
    work, prefix = s3_run
    assert_bucket_equals_local(s3, prefix, local, tmp_path)
    # outputs, logs and benchmarks are objects, none is left in the work dir
    assert not (work / "results").exists() and not (work / "logs").exists()
    keys = s3.keys(prefix)
    assert {f"benchmarks/convert/{t}.tsv" for t in TICKERS} <= set(keys)
    assert {f"logs/download/{t}.log" for t in TICKERS} <= set(keys)

    again = snakemake_s3(work, s3, prefix)
    assert ran(again) == set()
    assert "Nothing to be done" in again.stderr


def test_summary_inventory_charts_and_report_come_from_the_bucket(s3, s3_run, tmp_path):
    work, prefix = s3_run
    keys = s3.keys(prefix)
    for name in (
        "results/benchmarks.tsv",
        "results/inventory.tsv",
        "results/plots/benchmarks/timeline.png",
        "results/plots/market/distributions.png",
        "results/plots/inventory.html",
        *(f"results/plots/close/{t}.png" for t in TICKERS),
    ):
        assert keys.get(name, 0) > 0, name
    summary = pd.read_csv(io.BytesIO(s3.get(f"{prefix}/results/benchmarks.tsv")), sep="\t")
    assert sorted(summary["ticker"].dropna().unique()) == TICKERS
    assert set(summary["rule"]) >= {"download", "synthesize", "convert"}
    inventory = pd.read_csv(io.BytesIO(s3.get(f"{prefix}/results/inventory.tsv")), sep="\t")
    assert sorted(inventory["ticker"]) == TICKERS and (inventory["rows"] > 0).all()
    # when each job ended comes from its log, not from the local copies' mtimes
    shard = pd.read_csv(io.BytesIO(s3.get(f"{prefix}/results/shards/0000.tsv")), sep="\t")
    assert (shard["end"] % 1 != 0).any(), "end times rounded to S3's whole seconds"

    report = work / "report.zip"
    snakemake_s3(work, s3, prefix, "--report", str(report))
    names = zipfile.ZipFile(report).namelist()
    assert any(n.endswith("timeline.png") for n in names)
    assert any(n.endswith("close/aapl.png") or n.endswith("aapl.png") for n in names)


def test_a_changed_source_reruns_only_that_ticker(s3, in_s3):
    work, prefix = in_s3
    path = work / "sources/ibm.csv.bz2"
    lines = bz2.decompress(path.read_bytes()).decode().splitlines()
    last = lines[-1].split(",")
    last[-1] = str(int(float(last[-1])) + 5000)  # one more trade on its last day
    path.write_bytes(bz2.compress(("\n".join([*lines[:-1], ",".join(last)]) + "\n").encode()))
    proc = snakemake_s3(work, s3, prefix)
    data_jobs = {job for job in ran(proc) if job[1] is not None}
    assert data_jobs == {(r, "ibm") for r in ("download", "synthesize", "convert", "plot_ticker")}
    assert {job[0] for job in ran(proc) if job[1] is None} <= {
        "shard", "benchmark_summary", "inventory", "plot_benchmarks", "plot_market"
    }  # fmt: skip


def test_a_deleted_object_reruns_only_what_depends_on_it(s3, in_s3, tmp_path):
    work, prefix = in_s3
    key = f"{prefix}/results/hdf5/goog.h5"
    before = h5_from_bucket(s3, key, tmp_path)
    s3.delete(key)
    proc = snakemake_s3(work, s3, prefix)
    # as in a local run (tests/test_workflow.py): its convert, its charts, the summaries
    data_jobs = {job for job in ran(proc) if job[1] is not None}
    assert data_jobs == {("convert", "goog"), ("plot_ticker", "goog")}
    pd.testing.assert_frame_equal(h5_from_bucket(s3, key, tmp_path), before)
    # an intermediate (the JSON) gone while what was made from it is current: nothing to do,
    # as Snakemake decides locally too
    s3.delete(f"{prefix}/results/json/goog.json")
    assert ran(snakemake_s3(work, s3, prefix)) == set()


def test_credentials_appear_in_no_file_and_no_object(s3, s3_run):
    work, prefix = s3_run
    snakemake_s3(work, s3, prefix, "--report", str(work / "report.html"))
    secrets = (s3.access_key.encode(), s3.secret_key.encode())
    leaks = [
        p for p in work.rglob("*") if p.is_file() and any(s in p.read_bytes() for s in secrets)
    ]
    assert leaks == []
    objects = [k for k in s3.keys(prefix) if any(s in s3.get(f"{prefix}/{k}") for s in secrets)]
    assert objects == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"SNAKEMAKE_STORAGE_S3_SECRET_KEY": "not-the-secret"}, "refused the credentials"),
        ({"SNAKEMAKE_STORAGE_S3_ACCESS_KEY": "AKNOBODY"}, "refused the credentials"),
        ("no-bucket", "does not exist"),
        ({"SNAKEMAKE_STORAGE_S3_ENDPOINT_URL": "http://127.0.0.1:9"}, "cannot reach"),
    ],
)
def test_wrong_credentials_or_bucket_fail_before_any_job(s3, tmp_path, change, words):
    setup(tmp_path, ["aapl"])
    prefix = fresh_prefix("preflight")
    if change == "no-bucket":
        env, bucket = s3.env(), "no-such-bucket"
    else:
        env, bucket = s3.env(**change), "stockflow"
    proc = snakemake_s3(tmp_path, s3, prefix, check=False, env=env, bucket=bucket, timeout=300)
    assert proc.returncode != 0
    assert words in proc.stderr
    assert "127.0.0.1" in proc.stderr  # the endpoint is named
    assert ran(proc) == set()
    assert s3.keys(prefix) == {}
    assert s3.secret_key not in proc.stderr + proc.stdout


def test_batch_jobs_through_s3_store_the_same_files_and_per_ticker_summaries(s3, local, tmp_path):
    """batch_jobs: each batch job fetches its tickers' inputs from the bucket and stores each
    ticker's own output objects, equal to a local per-ticker run; a rerun is a no-op."""
    prefix = fresh_prefix("batch-jobs")
    setup(tmp_path)
    snakemake_s3(tmp_path, s3, prefix, "--config", "batch_jobs=true", "batch_size=2")
    assert_bucket_equals_local(s3, prefix, local, tmp_path)
    keys = set(s3.keys(prefix))
    assert {"benchmarks/convert/batch-0000.tsv", "benchmarks/convert/batch-0001.tsv"} <= keys
    summary = pd.read_csv(io.BytesIO(s3.get(f"{prefix}/results/benchmarks.tsv")), sep="\t")
    assert sorted(summary["ticker"].unique()) == sorted(TICKERS) and len(summary) == 9
    again = snakemake_s3(tmp_path, s3, prefix, "--config", "batch_jobs=true", "batch_size=2")
    assert "Nothing to be done" in again.stderr


def made_days(s3, prefix, workdir, ticker) -> int:
    """days_made of the ticker's synthesize job, from its log (in the bucket, or local)."""
    local = workdir / f"logs/synthesize/{ticker}.log"
    text = local.read_text() if local.exists() else s3.get(f"{prefix}/{local.relative_to(workdir)}")
    text = text.decode() if isinstance(text, bytes) else text
    line = [x for x in text.splitlines() if x.startswith(joblog.PREFIX)][-1]
    return json.loads(line[len(joblog.PREFIX) :])["days_made"]


def test_a_nightly_update_through_s3_asks_only_the_new_days(s3, tmp_path, request):
    """profiles/s3: the quotes, JSON and HDF5 live in the bucket, the kept days and the market's
    days in the work directory; the second night asks one grouped-daily request per weekday."""
    import datetime as dt

    from support import fake_polygon
    from support.fakekit import history, normalized_csv, serving
    from support.provkit import START, config_for

    fake = fake_polygon.Fake(market=("aapl", "ibm"))
    prefix = fresh_prefix(request.node.name)
    with serving(fake) as server:
        for end in (dt.date(2024, 3, 28), dt.date(2024, 4, 5)):
            cfg = config_for("polygon", server.base, ["AAPL", "IBM"], end=str(end))
            write_config(tmp_path, **{**cfg, "synth": {"days": 30}})
            before = (fake.calls, fake.bulk_calls)
            snakemake_s3(tmp_path, s3, prefix, env={**s3.env(), **fake.env})
    assert (fake.calls - before[0], fake.bulk_calls - before[1]) == (0, 6)
    for t in ("AAPL", "IBM"):
        want = normalized_csv(history(t, START, dt.date(2024, 4, 5)))
        assert s3.get(f"{prefix}/resources/quotes/{t}.csv").decode() == want
        assert (tmp_path / f"resources/history/{t}.csv").read_text() == want
        # the six new weekdays made, the others copied from the kept JSON (resources/periods)
        assert made_days(s3, prefix, tmp_path, t) == 6
