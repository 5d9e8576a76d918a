"""RESULTS.md on data preparation (`default`): the lesson's method against synthesize."""

from report_format import med, pair_ratio, secs, table, times, verdict


def speedup(res: dict) -> float:
    r = res["prep"]["runs"]
    return pair_ratio(r["lesson_prep"]["seconds"], r["synthesize"]["seconds"])


def targets(res: dict) -> list[list[str]]:
    x = speedup(res)
    return [[
        res["scale"], f"synthesize vs the lesson's preparation ({res['prep']['ticker']} x "
        f"{res['prep']['days']} days): lesson ÷ stockflow", times(x), ">= 20x",
        verdict(x >= 20),
    ]]  # fmt: skip


def section(res: dict) -> list[str]:
    p = res["prep"]
    r = p["runs"]
    lesson = r["lesson_prep"]
    gen = med(e["generate_csv_s"] for e in lesson["extra"])
    js = med(e["csv_to_json_s"] for e in lesson["extra"])
    rows = []
    for key in ("lesson_prep", "synthesize"):
        e = r[key]
        rows.append([
            e["label"], secs(med(e["seconds"])),
            times(pair_ratio(lesson["seconds"], e["seconds"])),
            f"{med(x['json_mib'] for x in e['extra']):.1f}",
        ])  # fmt: skip
    out = [f"### Data preparation: {p['ticker']} x {p['days']} days, whole processes", ""]
    out += table(["contender", "median s", "speedup (lesson ÷ this)", "JSON MiB"], rows)
    return out + [
        f"The lesson's time splits into {secs(gen)} s for the walk, resampling and one CSV per "
        f"day, and {secs(js)} s for reading the CSVs back and one `json.dump` per record. Its "
        "days have 481 bars (09:00 to 17:00 inclusive, as `generate_day` builds them) and an "
        "evenly split volume; stockflow's have 480 bars with U-shaped volumes that sum to the "
        "day's. Both read the same quotes (the lesson its QuantQuote `.csv.bz2`, stockflow the "
        "normalized CSV the download stage made from it).",
        "",
    ]
