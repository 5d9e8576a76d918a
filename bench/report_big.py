"""RESULTS.md on the `big` scale: one file larger than the memory budget."""

from report_format import med, secs, table, verdict


def targets(res: dict) -> list[list[str]]:
    b = res["big"]
    peak = max(b["peak_mib"])
    return [[
        res["scale"], f"a {b['json_mib'] / 1024:.2f} GiB JSON file within a {b['budget_mb']} MB "
        "budget: highest peak RSS of the runs; read_hdf equal to an unbounded conversion",
        f"{peak:.0f} MiB; equal", f"<= {b['budget_mb']} MB",
        verdict(peak <= b["budget_mb"]),
    ]]  # fmt: skip


def section(res: dict) -> list[str]:
    b = res["big"]
    rate = b["json_mib"] / med(b["seconds"])
    return [
        "### One file larger than the memory budget",
        "",
        *table(
            [
                "JSON",
                "rows",
                "budget",
                "median s",
                "MiB/s",
                "peak RSS (each run)",
                "unbounded conversion's peak",
                ".h5",
            ],
            [
                [
                    f"{b['json_mib']:.0f} MiB",
                    f"{b['rows']:,}",
                    f"{b['budget_mb']} MB",
                    secs(med(b["seconds"])),
                    f"{rate:.0f}",
                    ", ".join(f"{p:.0f}" for p in b["peak_mib"]) + " MiB",
                    f"{b['unbounded_peak_mib']:.0f} MiB",
                    f"{b['h5_mib']:.0f} MiB",
                ]
            ],
        ),  # fmt: skip
        "",
        "`pd.read_hdf` of the streamed file equals, value for value, the same file parsed whole "
        "by Arrow and written by pandas (`assert_frame_equal(check_exact=True)`).",
        "",
    ]
