"""Faults in the JSON lines between synthesize and convert: each bad file fails its convert job
with ``file:line: what`` in the log and leaves no .h5; a BOM or CRLF line ends are tolerated and
convert to the very frame of the clean file.

A copy of a clean run, one ticker's JSON damaged per case, then a rerun with --keep-going.
"""

import shutil

import pytest
from support import faultkit
from support.workflow import jobs_run, snakemake

pytestmark = pytest.mark.workflow

UNTOUCHED = "yhoo"


def malformed(lines):
    lines[41] = lines[41].replace('"high": ', '"high": x')


def missing_key(lines):
    head, _, _ = lines[99].rpartition(', "volume": ')
    lines[99] = head + "}\n"


def wrong_type(lines):
    lines[6] = lines[6].replace('"open": ', '"open": "', 1).replace(', "high"', '", "high"', 1)


def extra_key(lines):
    lines[-1] = lines[-1].replace("}\n", ', "note": "late"}\n')


def empty(lines):
    lines.clear()


def bom(lines):
    lines[0] = "\ufeff" + lines[0]


def crlf(lines):
    lines[:] = [line.replace("\n", "\r\n") for line in lines]


# ticker: (case, damage, the log's message after "results/json/TICKER.json", ledger outcome);
# message None: tolerated, the .h5 must equal the clean run's.
CASES = {
    "aapl": (
        "malformed line",
        malformed,
        ":42: malformed JSON",
        "rejected: file:line malformed JSON",
    ),
    "ibm": (
        "missing key",
        missing_key,
        ":100: missing key(s) ['volume']",
        "rejected: file:line missing key",
    ),
    "ge": (
        "wrong type",
        wrong_type,
        ":7: 'open' must be a number, got '",
        "rejected: file:line wrong type",
    ),
    "goog": (
        "extra key",
        extra_key,
        ":2400: unexpected key(s) ['note']",
        "rejected: file:line unexpected key",
    ),
    "hpq": (
        "empty file",
        empty,
        ": the file is empty; expected JSON lines of bars",
        "rejected: file is empty",
    ),
    "jpm": ("BOM", bom, None, "tolerated: same HDF5 as the clean file"),
    "usb": ("CRLF line ends", crlf, None, "tolerated: same HDF5 as the clean file"),
}
TICKERS = [*CASES, UNTOUCHED]


def test_bad_json_fails_its_convert_with_file_and_line_and_leaves_no_h5(tmp_path, fault_ledger):
    ref = faultkit.reference(TICKERS)
    # A copy of the clean run (its .snakemake metadata too): the same as running it again here.
    work = tmp_path / "work"
    shutil.copytree(ref, work, symlinks=True)
    for t, (_, damage, _, _) in CASES.items():
        path = work / faultkit.STAGES["json"].format(t=t)
        lines = path.read_text().splitlines(keepends=True)
        assert len(lines) == 5 * 480
        damage(lines)
        # Written after the .h5: Snakemake reruns convert for the newer input.
        path.write_bytes("".join(lines).encode())
    proc = snakemake(work, "--keep-going", *faultkit.data_targets(TICKERS), check=False)

    ran = set(jobs_run(proc.stderr))
    leftovers = faultkit.temp_leftovers(work)
    # The untouched ticker's losses are counted under every case: any of them could cause them.
    other_lost, other_corrupt, other_found = faultkit.audit(work, ref, done=[UNTOUCHED])
    checks = {}
    for t, (case, _, message, outcome) in CASES.items():
        if message is None:
            # Every output as in the clean run, but the JSON: its bytes are the damage itself.
            _, _, found = faultkit.audit(work, ref, done=[t])
            found = [f for f in found if f != f"{t} json: differs from the clean run"]
        else:
            # Snakemake deletes a job's outputs before it runs it: the old .h5 is gone too.
            _, _, found = faultkit.audit(work, ref, absent={t: "hdf5"})
            found += [
                f"{t} {s}: missing"
                for s in ("quotes", "json")
                if not (work / faultkit.STAGES[s].format(t=t)).exists()
            ]
        lost = sum(f.endswith(": missing") for f in found)
        corrupt = len(found) - lost
        fault_ledger.record("JSON", case, outcome, lost + other_lost, corrupt + other_corrupt)
        log = work / f"logs/convert/{t}.log"
        checks[t] = (found, log.read_text() if log.exists() else "")

    assert proc.returncode != 0
    # Only the damaged tickers' converts ran: nothing upstream, nothing of the untouched ticker.
    assert ran - {("all", None)} == {("convert", t) for t in CASES}
    assert (other_lost, other_corrupt) == (0, 0), other_found
    assert leftovers == []
    for t, (_, _, message, _) in CASES.items():
        found, log = checks[t]
        assert found == [], found
        if message is None:
            assert "error" not in log, log
        else:
            assert f"stockflow: error: results/json/{t}.json{message}" in log, log
