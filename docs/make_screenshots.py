"""Regenerate docs/report.png and docs/chart.png from a real run of the workflow.

    .venv/bin/python docs/make_screenshots.py [--workdir docs/.work] [--cores 2]

1. a run of 3 tickers x 365 days in WORKDIR (``snakemake --cores N``; convert with a 200 MB
   budget so its logs show per-block progress);
2. ``snakemake --report WORKDIR/report.html``;
3. Debian's ``chromium`` (``apt-get install chromium``), headless, screenshots that report
   opened on Benchmarks -> the timeline (a copy of the report with a few lines of script that
   click there, since the report has no URL per view) -> docs/report.png;
4. the workflow's own chart ``results/plots/day/aapl.png`` -> docs/chart.png.

Both PNGs are reduced to 256 colours (Pillow, which matplotlib installs) to stay small.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
CONFIG = {
    "tickers": ["aapl", "ge", "ibm"],
    "synth": {"days": 365},
    "convert": {"memory_mb": 200},
}
# Open a category and show one of its results, as a click in the menu would.
NAVIGATE = """<script>
window.addEventListener("load", () => setTimeout(() => {
  const path = Object.keys(results).find(p => p.endsWith(%(suffix)s));
  const entry = results[path];
  app.setView({navbarMode: "subcategory", category: %(category)s,
               subcategory: Object.keys(categories[%(category)s])[0],
               content: "img", contentPath: entry.data_uri, resultPath: path});
}, 300));
</script>"""


def run(*cmd: str) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def snakemake(workdir: Path, *args: str) -> None:
    run(sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir), *args)


def small_png(src: Path, out: Path, crop_page: bool = False) -> None:
    with Image.open(src) as img:
        img = img.convert("RGB")
        if crop_page:  # headless Chromium leaves the rows below the page's viewport white
            column = [img.getpixel((5, y)) for y in range(img.height)]
            bottom = max((y for y, px in enumerate(column) if px != (255, 255, 255)), default=0)
            img = img.crop((0, 0, img.width, bottom + 1))
        img.quantize(colors=256).save(out, optimize=True)
    print(f"{out}: {out.stat().st_size / 1000:.0f} kB")


def screenshot(report: Path, category: str, suffix: str, out: Path, size=(1400, 900)) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("chromium not found: apt-get install -y chromium")
    page = report.read_text()
    script = NAVIGATE % {"category": json.dumps(category), "suffix": json.dumps(suffix)}
    i = page.rindex("</body>")
    view = report.with_name("report-view.html")
    view.write_text(page[:i] + script + page[i:])
    with tempfile.TemporaryDirectory() as profile:
        run(
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--window-size={size[0]},{size[1]}",
            "--virtual-time-budget=10000",
            f"--screenshot={out}",
            view.as_uri(),
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--workdir", type=Path, default=DOCS / ".work")
    p.add_argument("--cores", default="2")
    a = p.parse_args()
    work = a.workdir.resolve()
    (work / "config").mkdir(parents=True, exist_ok=True)
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    snakemake(work, "--cores", a.cores)
    snakemake(work, "--report", str(work / "report.html"))
    raw = work / "report-screenshot.png"
    screenshot(work / "report.html", "Benchmarks", "timeline.png", raw)
    small_png(raw, DOCS / "report.png", crop_page=True)
    small_png(work / "results/plots/day/aapl.png", DOCS / "chart.png")


if __name__ == "__main__":
    main()
