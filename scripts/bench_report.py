"""Benchmark the HTML report: build it for the shared corpus repeated to N abstracts, time it, open it in Chromium.

Each distinct paper is extracted once; its Extraction is then copied with the id suffixed by the repetition
("<id>-r3"), so N abstracts make N papers in the graph. Prints one table row per N:

    python scripts/bench_report.py                     # 20,000 abstracts from ../shared/corpus/*.txt
    python scripts/bench_report.py -n 1000 5000 20000 --out /tmp/bench
    python scripts/bench_report.py --extractions tests/fixtures/graph/small_extractions.jsonl -n 600
"""
from __future__ import annotations

import argparse
import glob
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kgbuild.models import Extraction  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "*.txt"


def distinct_extractions(args: argparse.Namespace) -> list[Extraction]:
    if args.extractions:
        with open(args.extractions, encoding="utf-8") as f:
            return [Extraction.model_validate_json(line) for line in f if line.strip()]
    from kgbuild.readers import read_papers

    paths = sorted(glob.glob(args.corpus))
    if not paths:
        sys.exit(f"bench_report: no files match {args.corpus} — pass --corpus GLOB or --extractions FILE")
    papers = list(read_papers(paths, on_error="skip"))
    try:
        from kgbuild.extract import extract

        t0 = time.perf_counter()
        records = list(extract(papers))
    except Exception as e:  # the extractor is optional here: say how to bench the report without it
        sys.exit(f"bench_report: extraction failed ({e.__class__.__name__}: {e}) — "
                 "run with --extractions FILE.jsonl (e.g. tests/fixtures/graph/small_extractions.jsonl)")
    print(f"extracted {len(records)} distinct papers in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return records


def repeated(records: list[Extraction], n: int) -> list[Extraction]:
    """``n`` records cycling through ``records``; copies after the first get the id suffix ``-r<k>``."""
    out = []
    for i in range(n):
        k, ex = divmod(i, len(records))
        ex = records[ex]
        if k:
            ex = Extraction.model_validate_json(ex.model_dump_json().replace(f'"{ex.id}"', f'"{ex.id}-r{k}"'))
        out.append(ex)
    return out


def first_render(html: Path, chromium: str, chromedriver: str) -> tuple[float, float]:
    """Milliseconds from navigation start to the load event and to ``window.__reportReady`` in headless Chromium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory() as profile:
        options = Options()
        options.binary_location = chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", f"--user-data-dir={profile}", "--window-size=1400,1000"):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(chromedriver), options=options)
        try:
            driver.set_page_load_timeout(600)
            driver.get(html.resolve().as_uri())
            WebDriverWait(driver, 600).until(lambda d: d.execute_script("return window.__reportReady === true"))
            WebDriverWait(driver, 600).until(lambda d: d.execute_script(
                "return performance.getEntriesByType('navigation')[0].loadEventEnd > 0"))
            load, ready = driver.execute_script(
                "const n = performance.getEntriesByType('navigation')[0];"
                "return [n.loadEventEnd - n.startTime, window.__reportReadyAt];")
            return float(load), float(ready)
        finally:
            driver.quit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--abstracts", type=int, nargs="+", default=[20_000],
                        help="corpus sizes to bench (default 20000)")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="glob of daily-papers text files")
    parser.add_argument("--extractions", help="JSONL of Extraction records to repeat instead of extracting")
    parser.add_argument("--max-nodes", type=int, default=2000, help="explorer node cap (default 2000)")
    parser.add_argument("--out", help="keep the reports in this directory (default: a temporary one)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium first-render timing")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args(argv)

    from kgbuild.graph import build_graph
    from kgbuild.report import write_report
    from kgbuild.report.explorer import EXPLORER_LABELS

    browser = not args.no_browser and shutil.which(args.chromium) and shutil.which(args.chromedriver)
    if not args.no_browser and not browser:
        print("bench_report: Chromium/chromedriver not found, skipping render timing", file=sys.stderr)
    records = distinct_extractions(args)
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_report_"))
    out.mkdir(parents=True, exist_ok=True)
    head = (f"{'abstracts':>9} {'nodes':>7} {'edges':>8} {'claims':>6} {'drawn':>5} {'graph s':>7} "
            f"{'report s':>8} {'MB':>6} {'load ms':>8} {'ready ms':>8}")
    rows = []
    for n in args.abstracts:
        batch = repeated(records, n)
        t0 = time.perf_counter()
        G = build_graph(batch)
        t1 = time.perf_counter()
        path = write_report(G, out / f"report-{n}.html", max_nodes=args.max_nodes)
        t2 = time.perf_counter()
        load, ready = first_render(path, args.chromium, args.chromedriver) if browser else (float("nan"),) * 2
        claims = sum(1 for _, lab in G.nodes(data="label") if lab == "SpeedupClaim")
        drawn = min(args.max_nodes, sum(1 for _, lab in G.nodes(data="label") if lab in EXPLORER_LABELS))
        rows.append(f"{n:>9} {G.number_of_nodes():>7} {G.number_of_edges():>8} {claims:>6} {drawn:>5} "
                    f"{t1 - t0:>7.1f} {t2 - t1:>8.1f} {path.stat().st_size / 1e6:>6.1f} {load:>8.0f} {ready:>8.0f}")
        print(rows[-1], file=sys.stderr)
    print(head)
    print("\n".join(rows))
    print(f"reports in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
